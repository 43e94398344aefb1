import { diffPipelines } from '@patchbay/core';
import { EXIT_OK, type Command } from '../command';
import { readPipelineFile } from '../document-file';
import { diffListing } from '../diff-listing';

export const command: Command = {
  name: 'diff',
  summary: 'list what changed between two pipeline documents',
  usage: `Usage: patchbay diff A.json B.json [--json]

Lists what changed from pipeline A to pipeline B, one line each:
  + node x (llm)                          node added
  - node y (tool)                         node removed
  ~ node z: config.prompt: "old" → "new"  one line per changed field
  + edge a.text → b.value                 edge added (- for removed)
  ~ title: "old" → "new"                  name, title or description changed
A move on the canvas (position) is not a change. Identical documents print "no differences".

Exits 0 whether or not there are differences (it reports, it does not judge);
exits 2 when a file is missing, not JSON or not a pipeline document.

Options:
  --json     print the diff as JSON: {nodes: {added, removed, changed}, edges: {added, removed}, meta, identical}
  --debug    show stack traces
  -h, --help show this help`,
  options: { json: { type: 'boolean' } },
  positionals: [2, 2],
  async run({ values, positionals }, io) {
    const [a, b] = positionals.map((file) => readPipelineFile(file, io.cwd));
    const diff = diffPipelines(a, b);
    if (values.json) io.stdout.write(JSON.stringify(diff, null, 2) + '\n');
    else if (diff.identical) io.stdout.write('no differences\n');
    else io.stdout.write(diffListing(diff).join('\n') + '\n');
    return EXIT_OK;
  },
};
