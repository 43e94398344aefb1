import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliIO, type Command } from '../command';
import { GATE_OPTIONS, gateFlags } from '../gate-flags';
import { positiveInteger } from '../integer-flag';
import { loadPipelineArg } from '../stored-pipeline';
import { openStoredRefs } from '../stored-refs';
import { clashingOutput } from '../eval-output-paths';
import { dataDirHint } from '../data-dir-hint';
import { problemLines } from '../problem-lines';
import { openWorkspaceServices, workspaceRedactor } from '../workspace-services';

/** What a shell reports for a process ended by Ctrl-C. */
const EXIT_INTERRUPTED = 130;
/** 128 + SIGTERM, as a shell reports a process it ended. */
const EXIT_TERMINATED = 143;

export const command: Command = {
  name: 'eval',
  summary: 'score a pipeline against a dataset',
  usage: `Usage: patchbay eval PIPELINE --suite FILE [options]

Runs every case of the suite's dataset (× repeat) through the pipeline, scores
each with the suite's scorers and prints the summary. PIPELINE is a pipeline
JSON file, or NAME[@VERSION] of a pipeline saved in the runner's store in the
data dir (the latest version without @); FILE a patchbay.eval/v1 suite (JSON or YAML). Progress goes to
stderr (a bar on a terminal, one line per case otherwise); the summary table,
the comparison and the gates to stdout. Finished cases are saved one by one in
OUT.partial.jsonl, so a stopped run continues with --resume.

Options:
  --suite FILE              the eval suite (required)
  --baseline RESULT.json    compare with an earlier result, case by case
  --out FILE                the result JSON (default DATA/evals/PIPELINE--SUITE.json)
  --junit FILE              also write a JUnit XML report
  --markdown FILE           also write a Markdown report
  --repeat N                run each case N times (pass@k, pass^k, flaky cases);
                            above 1 the response cache is off so attempts differ
  --concurrency N           cases at once (default the suite's, else 8); halved
                            while the provider answers 429, then grown back
  --resume                  keep the cases OUT.partial.jsonl already holds
  --no-cache                do not read or write the model response cache
  --data DIR                workspace data dir (default $PATCHBAY_DATA or ./.patchbay)
  --config FILE             workspace config (default DIR/patchbay.config.json)
  --fail-on regression      gate: fail when a case that passed in the baseline fails now
  --min-pass-rate X         gate: fail when less than X (0..1) of the case runs pass
  --max-drop SCORER=DELTA   gate: fail when SCORER's mean dropped by more than DELTA
                            with p < 0.05 against the baseline (repeatable)
  --debug                   show stack traces
  -h, --help                show this help

Gates may also be set in the suite ("gate": {"failOn", "minPassRate", "maxDrop"});
a flag wins over the suite. Exit codes: 0 the gates pass, 1 a gate fails,
2 bad usage or bad input (pipeline, suite, dataset, baseline, a damaged SQLite
file in the data dir: the reason is printed), 130 stopped by Ctrl-C, 143 by SIGTERM
(finished cases are kept for --resume).`,
  options: {
    suite: { type: 'string' },
    baseline: { type: 'string' },
    out: { type: 'string' },
    junit: { type: 'string' },
    markdown: { type: 'string' },
    repeat: { type: 'string' },
    concurrency: { type: 'string' },
    resume: { type: 'boolean' },
    'no-cache': { type: 'boolean' },
    data: { type: 'string' },
    config: { type: 'string' },
    ...GATE_OPTIONS,
  },
  positionals: [1, 1],
  async run({ values, positionals }, io) {
    if (!values.suite) throw new UsageError('--suite FILE is required (a patchbay.eval/v1 suite)');
    const resolve = (p: string) => path.resolve(io.cwd, p);
    const evals = await import('@patchbay/evals');
    const cliGate = gateFlags(values);
    const repeatFlag = intFlag(values.repeat, '--repeat', 1, 100);
    const concurrencyFlag = intFlag(values.concurrency, '--concurrency', 1, 256);

    // Written only when every case has run: a directory there would fail the eval at its very end.
    for (const flag of ['out', 'junit', 'markdown'] as const) {
      const target = values[flag] as string | undefined;
      if (target !== undefined && statSync(resolve(target), { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--${flag} ${target} is a directory; give the path of a file`);
    }

    const file = positionals[0];
    const loaded = await loadPipelineArg(file, values.data, io);
    const suite = await asUsage(evals.loadSuite(resolve(values.suite)));
    const gate = evals.mergeGates(suite.gate, cliGate);
    for (const scorer of Object.keys(gate.maxDrop ?? {})) {
      if (!suite.scorers.some((s) => s.name === scorer)) throw new UsageError(`--max-drop ${scorer}: the suite has no scorer named "${scorer}" (scorers: ${suite.scorers.map((s) => s.name).join(', ')})`);
    }
    if (!values.baseline && (cliGate.failOn || Object.keys(cliGate.maxDrop ?? {}).length)) {
      throw new UsageError(`${cliGate.failOn ? '--fail-on regression' : '--max-drop'} needs --baseline RESULT.json to compare with`);
    }
    const baseline = values.baseline ? await asUsage(evals.readResult(resolve(values.baseline))) : undefined;

    // With --out the data dir is only read (indexes, cache): one that is not there is not created.
    const services = await openWorkspaceServices(values, io, { createDataDir: !values.out });
    // `pipeline` and `map` nodes call versions saved in the runner's store of the data dir
    const refs = await openStoredRefs(loaded.document, file, values.data, io).catch(async (err) => {
      await services.close();
      throw err;
    });
    if (refs.resolver) services.pipelines = refs.resolver;
    const controller = new AbortController();
    let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;
    const stop = () => ((stoppedBy ??= 'SIGINT'), controller.abort());
    // SIGTERM (a CI job's timeout, kill) stops as Ctrl-C does: finished cases kept, the partial file's lock let go.
    const terminate = () => ((stoppedBy ??= 'SIGTERM'), controller.abort());
    process.once('SIGINT', stop);
    process.once('SIGTERM', terminate);
    let log: import('@patchbay/evals').JsonlCaseLog | undefined;
    try {
      // The same session the runner's API runs: everything is checked before a single case runs.
      const { modelUnavailable } = await import('@patchbay/core/node');
      let prepared: import('@patchbay/evals').PreparedEvalSession;
      try {
        prepared = await evals.prepareEvalSession(
          { pipeline: loaded.document, pipelineVersion: loaded.version, subject: file, suite, repeat: repeatFlag, concurrency: concurrencyFlag, gate, noCache: values['no-cache'] === true },
          { modelUnavailable: (model) => modelUnavailable(model, services.config, io.env), pipelines: refs.resolver },
        );
      } catch (err) {
        if (!(err instanceof evals.EvalPipelineError)) throw err;
        io.stderr.write(problemLines(err.problems));
        io.stderr.write(`patchbay eval: ${file} is not a valid pipeline (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}); nothing ran\n`);
        return EXIT_USAGE;
      }
      const { pipeline, repeat } = prepared;
      // A baseline pairs by case id: one that shares none would compare nothing, and every case would run for a gate that cannot pass.
      if (baseline && !(await sharesACase(baseline.cases, suite.dataset))) {
        throw new UsageError(`${values.baseline} shares no case id with the dataset ${prepared.dataset.source}: there is nothing to pair (was it run on another dataset?)`);
      }
      const out = values.out ? resolve(values.out) : path.join(services.dataDir, 'evals', `${pipeline.name}--${slug(suite.name)}.json`);
      const clash = clashingOutput(
        [
          ...(existsSync(resolve(file)) ? [{ role: 'the pipeline', given: file, absolute: resolve(file) }] : []),
          { role: 'the suite', given: values.suite, absolute: resolve(values.suite) },
          ...('path' in suite.dataset ? [{ role: 'the dataset', given: suite.dataset.path, absolute: suite.dataset.path }] : []),
          ...(values.baseline ? [{ role: 'the baseline', given: values.baseline, absolute: resolve(values.baseline) }] : []),
        ],
        [
          { flag: '--out', role: 'the --out file', given: values.out ?? out, absolute: out, mayReplace: ['the baseline'] },
          ...(['junit', 'markdown'] as const).filter((f) => values[f]).map((f) => ({ flag: `--${f}`, role: `the --${f} file`, given: values[f]!, absolute: resolve(values[f]!) })),
        ],
      );
      if (clash) throw new UsageError(clash);
      const { redact } = workspaceRedactor(io.env);
      log = await evals.JsonlCaseLog.open(evals.progressPathFor(out), prepared.identity, { resume: values.resume === true, startedAt: new Date().toISOString(), redact });
      const display = evals.progressDisplay(io.stderr);
      // A case failed for an index or tool this data dir lacks (the eval was run from another folder):
      // said once after the cases, where patchbay run says it after its one run.
      let hint: string | undefined;
      const onProgress = (p: import('@patchbay/evals').EvalProgress) => {
        display.update(p);
        hint ??= p.record?.error ? dataDirHint(p.record.error, services.dataDir) : undefined;
      };
      io.stderr.write(`eval ${pipeline.name} × ${suite.name}: ${prepared.dataset.cases} case(s) × ${repeat}, concurrency ${concurrencyFlag ?? suite.concurrency}${prepared.cached ? '' : ', no cache'}\n`);
      if (log.resumed.length) io.stderr.write(`resuming: ${log.resumed.length} case run(s) already done\n`);
      else if (values.resume) io.stderr.write(`nothing to resume in ${evals.progressPathFor(out)}; starting from the first case\n`);
      const head = await evals
        .runEvalSession(prepared, {
          services,
          log,
          signal: controller.signal,
          onProgress,
          baseline: baseline ? evals.evalBaseline(baseline.cases, values.baseline!, baseline.dataset.hash) : undefined,
        })
        .catch((err) => {
          display.done();
          if (controller.signal.aborted) return null;
          throw err;
        });
      display.done();
      if (!head) {
        io.stderr.write(`stopped${stoppedBy === 'SIGTERM' ? ' (SIGTERM)' : ''}: finished cases are kept in ${evals.progressPathFor(out)}; run again with --resume to finish\n`);
        return stoppedBy === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED;
      }
      await evals.writeResultFile(out, head, log, suite.dataset, repeat, redact);
      const cases = () => evals.loggedCases(log!, suite.dataset, repeat);
      if (values.junit) await writeFile(resolve(values.junit), redact(await evals.junitReport(head, cases())));
      if (values.markdown) await writeFile(resolve(values.markdown), redact(await evals.markdownReport(head, cases())));
      await log.close();
      await log.remove();
      log = undefined;
      printResult(io, head, evals, out);
      if (hint) io.stderr.write(`patchbay eval: ${hint}\n`);
      return head.gates && !head.gates.passed ? EXIT_FAILED : EXIT_OK;
    } catch (err) {
      // Bad input the eval session found (suite, dataset, target, model, resume file): exit 2, one line.
      if (err instanceof evals.EvalInputError) throw new UsageError(err.message);
      throw err;
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', terminate);
      await log?.close();
      await services.close();
      await refs.close();
    }
  },
};

function printResult(io: CliIO, head: import('@patchbay/evals').EvalHead, evals: typeof import('@patchbay/evals'), out: string) {
  const lines = [evals.formatSummary(head.summary)];
  // A gate is skipped only for want of a baseline: say which flag gives one, not "SKIP … skipped: no baseline" (the result file keeps its message).
  const noBaseline = 'no --baseline was given, so there is nothing to compare with';
  const gates = head.gates && { ...head.gates, checks: head.gates.checks.map((c) => (c.skipped ? { ...c, message: noBaseline } : c)) };
  for (const block of evals.formatComparisonAndGates(head.comparison, gates)) lines.push('', block);
  lines.push('', `result: ${out}`);
  io.stdout.write(lines.join('\n') + '\n');
}

/** Bad input found by the evals package (an EvalInputError: suite, baseline) is a usage error: exit 2, one line. */
async function asUsage<T>(promise: Promise<T>): Promise<T> {
  try {
    // Awaited first: a rejection that came while the import below was loading would be unhandled and crash the CLI.
    return await promise;
  } catch (err) {
    const { EvalInputError } = await import('@patchbay/evals');
    if (err instanceof EvalInputError) throw new UsageError(err.message);
    throw err;
  }
}

const intFlag = (text: string | undefined, flag: string, min: number, max: number) => (text === undefined ? undefined : positiveInteger(text, flag, min, max));

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'suite';
}

/** Whether any case of the dataset has an id the baseline has; reads the dataset only until the first. */
async function sharesACase(baseline: readonly { id: string }[], dataset: import('@patchbay/evals').DatasetSource): Promise<boolean> {
  const { readCases } = await import('@patchbay/evals');
  const ids = new Set(baseline.map((c) => c.id));
  for await (const located of readCases(dataset)) if (ids.has(located.case.id)) return true;
  return false;
}
