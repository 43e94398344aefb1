import { resolvePipelines, validatePipeline } from '@patchbay/core';
import { EXIT_FAILED, EXIT_OK, type Command } from '../command';
import { readJsonFile } from '../document-file';
import { problemLines } from '../problem-lines';
import { openStoredRefs } from '../stored-refs';

export const command: Command = {
  name: 'validate',
  summary: 'check a pipeline document',
  usage: `Usage: patchbay validate FILE [--json] [--data DIR]

Checks a pipeline document (patchbay.pipeline/v1) and reports every problem at once.

Prints "valid" and exits 0, or prints one line per problem, "PATH: MESSAGE"
(PATH is a JSON path into the document), and exits 1.
A file that is missing or not JSON exits 2. The references of pipeline and map
nodes are looked up in the runner's store of the data dir, as "patchbay run"
does; a document that makes some, with no store there, exits 2.

Options:
  --json     print {"valid": true|false, "errors": [{path, code, message, nodes?}]}
  --data DIR data dir whose runner store holds the pipelines that pipeline and map
             nodes call (default $PATCHBAY_DATA or ./.patchbay)
  --debug    show stack traces
  -h, --help show this help`,
  options: { json: { type: 'boolean' }, data: { type: 'string' } },
  positionals: [1, 1],
  async run({ values, positionals }, io) {
    const document = readJsonFile(positionals[0], io.cwd);
    // Only a document with pipeline/map references opens the store (lazily): plain validation stays light.
    const refs = await openStoredRefs(document, positionals[0], values.data, io);
    try {
      const lookup = refs.resolver && refs.document ? await resolvePipelines(refs.document, refs.resolver) : undefined;
      const report = validatePipeline(document, { pipelines: lookup });
      if (values.json) {
        io.stdout.write(JSON.stringify({ valid: report.valid, errors: report.problems }, null, 2) + '\n');
      } else {
        io.stdout.write(report.valid ? 'valid\n' : problemLines(report.problems));
      }
      return report.valid ? EXIT_OK : EXIT_FAILED;
    } finally {
      await refs.close();
    }
  },
};
