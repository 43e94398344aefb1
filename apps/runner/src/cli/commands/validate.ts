import { validatePipeline } from '@patchbay/core';
import { EXIT_FAILED, EXIT_OK, type Command } from '../command';
import { readJsonFile } from '../document-file';
import { problemLines } from '../problem-lines';

export const command: Command = {
  name: 'validate',
  summary: 'check a pipeline document',
  usage: `Usage: patchbay validate FILE [--json]

Checks a pipeline document (patchbay.pipeline/v1) and reports every problem at once.

Prints "valid" and exits 0, or prints one line per problem, "PATH: MESSAGE"
(PATH is a JSON path into the document), and exits 1.
A file that is missing or not JSON exits 2.

Options:
  --json     print {"valid": true|false, "errors": [{path, code, message, nodes?}]}
  --debug    show stack traces
  -h, --help show this help`,
  options: { json: { type: 'boolean' } },
  positionals: [1, 1],
  async run({ values, positionals }, io) {
    const report = validatePipeline(readJsonFile(positionals[0], io.cwd));
    if (values.json) {
      io.stdout.write(JSON.stringify({ valid: report.valid, errors: report.problems }, null, 2) + '\n');
    } else {
      io.stdout.write(report.valid ? 'valid\n' : problemLines(report.problems));
    }
    return report.valid ? EXIT_OK : EXIT_FAILED;
  },
};
