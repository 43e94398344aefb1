import { PipelineInvalidError, resolvePipelines, runPipeline, validatePipeline } from '@patchbay/core';
import { maxOutputBytes } from '@patchbay/core/node';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIO, type Command } from '../command';
import { openWorkspaceServices } from '../workspace-services';
import { loadPipelineArg, type LoadedPipeline } from '../stored-pipeline';
import { dataDirHint } from '../data-dir-hint';
import { oneLine, problemLines } from '../problem-lines';
import { runInputs } from '../run-inputs';
import { runProgress } from '../run-progress';
import { openCliRunRecorder } from '../record-run';
import { openStoredRefs, type StoredRefs } from '../stored-refs';

interface RunFlags {
  input?: string[];
  inputs?: string;
  json?: boolean;
  data?: string;
  config?: string;
  'no-cache'?: boolean;
}

/** What a shell reports for a process ended by Ctrl-C. */
const EXIT_INTERRUPTED = 130;
/** 128 + SIGTERM, as a shell reports a process it ended. */
const EXIT_TERMINATED = 143;

export const command: Command = {
  name: 'run',
  summary: 'run a pipeline and print its outputs',
  usage: `Usage: patchbay run PIPELINE [--input NAME=VALUE]... [--inputs JSON] [--json]
                        [--data DIR] [--config FILE] [--no-cache]

Runs a pipeline and prints its outputs object as JSON on stdout. PIPELINE is a
pipeline JSON file, or a version saved in the runner's store in the data dir:
NAME@N (NAME@vN), NAME@LABEL (the version a label points at), NAME (the latest).
Each node's outcome is written to stderr as it happens:
  ✓ answer  12 ms      succeeded      ✗ answer  3 ms  why   failed
  - branch  skipped    not taken      ↻ flaky  attempt 2   retried
When the data dir holds a runner store, the run is recorded there too (source
"cli"), listed with the runner's other runs.

Options:
  --input NAME=VALUE  an input, read as its input node's valueType (number, boolean,
                      json/documents/messages as JSON, string as is); repeatable
  --inputs JSON       inputs as a JSON object; --input wins over it
  --json              print the whole run result (status, outputs, error, the trace
                      of every node) as JSON instead of only the outputs
  --data DIR          workspace data dir (default $PATCHBAY_DATA or ./.patchbay)
  --config FILE       workspace config (default DIR/patchbay.config.json)
  --no-cache          do not read or write the model response cache
  --debug             show stack traces
  -h, --help          show this help

Exit codes: 0 the run succeeded; 1 it failed (the message names the node);
2 bad usage, an invalid pipeline (its problems are listed, nothing runs), an
input that is missing, unknown or does not fit its valueType, or a damaged SQLite
file in the data dir (named); 130 cancelled by Ctrl-C; 143 cancelled by SIGTERM
(a CI job's timeout, kill: the run ends cancelled, and --json still prints it).`,
  options: {
    input: { type: 'string', multiple: true },
    inputs: { type: 'string' },
    json: { type: 'boolean' },
    data: { type: 'string' },
    config: { type: 'string' },
    'no-cache': { type: 'boolean' },
  },
  positionals: [1, 1],
  async run({ values, positionals }, io) {
    const file = positionals[0];
    // Opened as a writer (migrated if need be): the run is recorded in the same store.
    const loaded = await loadPipelineArg(file, values.data, io, false);
    // `pipeline` and `map` nodes call versions saved in the runner's store of the data dir
    const refs = await openStoredRefs(loaded.document, file, values.data, io, false);
    try {
      return await runLoaded(file, loaded, refs, values, io);
    } finally {
      await refs.close();
    }
  },
};

async function runLoaded(file: string, loaded: LoadedPipeline, refs: StoredRefs, values: RunFlags, io: CliIO): Promise<number> {
  const lookup = refs.resolver && refs.document ? await resolvePipelines(refs.document, refs.resolver) : undefined;
  const report = validatePipeline(loaded.document, { pipelines: lookup });
  if (!report.valid || !report.document) {
    io.stderr.write(problemLines(report.problems));
    io.stderr.write(`patchbay run: ${file} is not a valid pipeline (${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}); nothing ran\n`);
    if (refs.dataDir && report.problems.some((p) => p.code === 'unresolved-pipeline')) {
      io.stderr.write(`patchbay run: stored pipelines were looked up in the runner store in ${refs.dataDir} (pass --data DIR to use another workspace)\n`);
    }
    return EXIT_USAGE;
  }
  const doc = report.document;
  const { inputs, problems } = runInputs(doc, values.inputs, values.input);
  if (problems.length > 0) {
    io.stderr.write(problemLines(problems));
    return EXIT_USAGE;
  }

  // A run only reads its workspace: a data dir that is not there is not created.
  const services = await openWorkspaceServices(values, io, { createDataDir: false });
  if (refs.resolver) services.pipelines = refs.resolver;
  const recorder = await openCliRunRecorder(services.dataDir, io.env).catch(async (err) => {
    await services.close();
    throw err;
  });
  const controller = new AbortController();
  let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;
  const cancel = () => ((stoppedBy ??= 'SIGINT'), controller.abort());
  // SIGTERM (a CI job's timeout, kill) cancels as Ctrl-C does: the run ends cancelled and --json still says so,
  // instead of the process vanishing with nothing printed.
  const terminate = () => ((stoppedBy ??= 'SIGTERM'), controller.abort());
  // Once: a second Ctrl-C gets the default behaviour and ends the process at once.
  process.once('SIGINT', cancel);
  process.once('SIGTERM', terminate);
  try {
    const result = await runPipeline(doc, inputs, {
      services,
      maxOutputBytes: maxOutputBytes(services.config),
      signal: controller.signal,
      skipValidation: true,
      onEvent: runProgress((line) => io.stderr.write(line), doc.nodes.map((n) => n.id)),
    });
    await recorder?.record(doc, result, loaded);
    // stdout holds the outputs of a run that succeeded; --json always holds the whole result.
    if (values.json) io.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else if (result.status === 'succeeded') io.stdout.write(JSON.stringify(result.outputs, null, 2) + '\n');
    if (result.status === 'succeeded') return EXIT_OK;
    if (result.status === 'cancelled') {
      io.stderr.write(`patchbay run: cancelled${stoppedBy === 'SIGTERM' ? ' (SIGTERM)' : ''}\n`);
      return stoppedBy === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED;
    }
    io.stderr.write(`patchbay run: ${oneLine(result.error ?? 'the run failed')}\n`);
    const hint = dataDirHint(result.error ?? '', services.dataDir);
    if (hint) io.stderr.write(`patchbay run: ${hint}\n`);
    return EXIT_FAILED;
  } catch (err) {
    if (!(err instanceof PipelineInvalidError)) throw err;
    io.stderr.write(problemLines(err.problems));
    return EXIT_USAGE;
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', terminate);
    await recorder?.close();
    await services.close();
  }
}
