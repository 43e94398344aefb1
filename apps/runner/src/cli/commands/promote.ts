import path from 'node:path';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliIO, type Command } from '../command';
import { dataDirHint, storeWorkspaceHint } from '../data-dir-hint';
import { openRunnerStore } from '../runner-store';
import { promotionProgress } from '../promotion-progress';
import { openWorkspaceServices } from '../workspace-services';
import { openStoreWorkspace } from '../store-workspace';
import { redactUrl } from '../../queue/redis-url';
import type { Store } from '../../store/index';
import type { PipelineDocument } from '@patchbay/core';

/** 128 + the signal, as a shell reports a process it ended. */
const EXIT_INTERRUPTED = 130;
const EXIT_TERMINATED = 143;

export const command: Command = {
  name: 'promote',
  summary: 'move a label to a version only if it is not worse (gated by evals)',
  usage: `Usage: patchbay promote NAME --label LABEL --version N --suite FILE [--data DIR] [--store STORE] [--force] [--json]

Evaluates version N of pipeline NAME (saved in the runner's store: the data
dir's, or --store's) and the version that now holds LABEL on the suite's
dataset, reusing a stored result with the same behaviour, dataset, suite and
workspace (config, index contents) when there is one; compares them case by
case (paired, as patchbay compare does) and applies the suite's gates
("fail-on regression" when it sets none: case by case, so one case that passed
on the holder and fails on N refuses it whatever the paired verdict, as patchbay
compare --fail-on regression does). When they pass, the label moves and the
history records it: "production: v3 → v4". A label not set yet has no
version to compare with, so only a min pass rate gate can keep it from moving.
The suite's dataset file is saved in the store as a dataset of the file's name.

Options:
  --label LABEL    the label to move (production, staging, any slug that does
                   not read as a version: not 3 or v3)
  --version N      the candidate version
  --suite FILE     the eval suite (patchbay.eval/v1, JSON or YAML), whose
                   "dataset" names the cases file
  --force          move the label even when a gate fails, or when the suite
                   cannot score the version the label holds (then N alone is
                   evaluated); recorded as forced
  --json           print the outcome as JSON
  --data DIR       workspace data dir (default $PATCHBAY_DATA or ./.patchbay); with a
                   store that holds a published workspace, only where fetched
                   index artifacts are kept (DIR/artifacts/; default a temp dir)
  --store STORE    the store of a runner started with --store (env PATCHBAY_STORE):
                   postgres://user@host/db, or a data dir the runners share. The
                   evals run in this process, with the workspace (config, indexes)
                   its servers published with --queue, as a worker would; with
                   none published, with the config and indexes of --data
  --config FILE    workspace config (default DIR/patchbay.config.json); refused
                   with a store that holds a published workspace
  --debug          show stack traces
  -h, --help       show this help

Exit codes: 0 the label moved (or held version N already: nothing to do);
1 a gate failed (the label did not move; the failing gate and the regressed
cases are printed) or an eval failed; 2 bad usage or bad input (pipeline,
version, suite, dataset); 130 stopped by Ctrl-C, 143 by SIGTERM (its evals are
recorded cancelled and the label does not move).`,
  options: {
    label: { type: 'string' },
    version: { type: 'string' },
    suite: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    data: { type: 'string' },
    store: { type: 'string' },
    config: { type: 'string' },
  },
  positionals: [1, 1],
  async run({ values, positionals }, io) {
    const [name] = positionals;
    const { labelProblem } = await import('@patchbay/core');
    if (!/^[a-z0-9-]+$/.test(name)) throw new UsageError(`"${name}" is not a pipeline name (a slug: [a-z0-9-]+)`);
    if (!values.label) throw new UsageError('--label LABEL is required');
    const labelRefused = labelProblem(values.label);
    if (labelRefused) throw new UsageError(`--label "${values.label}" is not a label: ${labelRefused}`);
    if (values.version === undefined) throw new UsageError('--version N is required');
    // Digits only, as Number() would also take 0x2, 2e0 or " 2", and round a number past 2^53 to another version.
    const version = Number(values.version);
    if (!/^[1-9][0-9]*$/.test(values.version) || !Number.isSafeInteger(version)) throw new UsageError(`--version must be a version number (1, 2, …), got "${values.version}"`);
    if (!values.suite) throw new UsageError('--suite FILE is required (a patchbay.eval/v1 suite)');

    const evalsPkg = await import('@patchbay/evals');
    const { DomainError } = await import('../../domain-errors');
    /** Bad input found by the evals package (suite, dataset, target, model) or the deploy checks: exit 2, one line. */
    const asUsage = <T>(promise: Promise<T>): Promise<T> =>
      promise.catch((err: unknown) => {
        throw err instanceof evalsPkg.EvalInputError || err instanceof DomainError ? new UsageError(err.message) : err;
      });
    const { loadDatasetSource } = await import('../../evals/dataset-input');
    const suiteFile = await asUsage(evalsPkg.loadSuite(path.resolve(io.cwd, values.suite)));
    const data = await asUsage(loadDatasetSource(suiteFile.dataset));
    const store = await openRunnerStore({ data: values.data, store: values.store }, io);
    const workspace = await openEvalWorkspace(store, values, io).catch(async (err) => {
      await store.close();
      throw err;
    });
    const { services } = workspace;
    const { InProcessJobRegistry } = await import('../../jobs/in-process-registry');
    const { EvalManager } = await import('../../evals/eval-manager');
    const { runPromotion } = await import('../../deploy/promotion');
    const { resolveServed } = await import('../../deploy/served-version');
    const log = (line: string) => io.stderr.write(`${line}\n`);
    const jobs = new InProcessJobRegistry(log);
    // Ctrl-C or SIGTERM (a CI job's timeout) stops it as patchbay eval stops: its evals are cancelled and recorded
    // so (not left "running" in the store for good), and the label does not move. A second Ctrl-C ends it at once.
    let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;
    const stopOn = (signal: 'SIGINT' | 'SIGTERM') => () => {
      stoppedBy ??= signal;
      void jobs.cancelAll({ reason: `patchbay promote was stopped (${signal})` });
    };
    const onInterrupt = stopOn('SIGINT');
    const onTerminate = stopOn('SIGTERM');
    process.once('SIGINT', onInterrupt);
    process.once('SIGTERM', onTerminate);
    const stopped = (from: number | null) => {
      io.stderr.write(`patchbay promote: cancelled (${stoppedBy}); ${values.label} stays ${from === null ? 'not set' : `at v${from}`}\n`);
      return stoppedBy === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED;
    };
    try {
      const candidate = await asUsage(resolveServed(store, { pipeline: name, version }));
      // A labelled caller of the label the candidate would stop: refused before any eval, as the HTTP promotion is.
      if (values.force !== true) {
        const { checkCallers } = await import('../../deploy/label-callers');
        await asUsage(checkCallers(store, { pipeline: name, label: values.label, version }, 'keep-running', { forceFlag: '--force' }));
      }
      const datasetLabel = evalsPkg.datasetName(suiteFile.dataset);
      const { version: saved } = await store.datasets.save(datasetLabel, data);
      const dataset = (await store.datasets.get(datasetLabel, saved.hash))!;
      const suite = { ...suiteFile, dataset: { inline: dataset.cases, label: `dataset "${dataset.name}"` } };
      const { modelUnavailable } = await import('@patchbay/core/node');
      await asUsage(Promise.resolve().then(() => evalsPkg.checkEvalModels(candidate.document, suite, (model) => modelUnavailable(model, workspace.config, io.env))));
      const evals = new EvalManager({ evals: store.evals, runs: store.runs, services, jobs, log, workspacePins: workspace.pins });
      const progress = promotionProgress(io.stderr);
      let from: number | null = null;
      const outcome = await asUsage(
        runPromotion({ store, evals, jobs }, 'cli', { pipeline: name, label: values.label, version, suite, dataset, force: values.force === true, by: 'admin', via: 'cli' }, (event) => {
          if (event.type === 'promotion.started') from = event.from;
          else if (event.type === 'promotion.eval') progress.line(`v${event.version}: ${event.reused ? `reusing stored eval ${event.evalId}` : `evaluating (eval ${event.evalId})`}`);
          else if (event.type === 'promotion.eval.progress') progress.update(event.version, event.done, event.total);
        }),
      )
        .catch((err: unknown) => {
          // stopped before an eval could start (the registry takes none once cancelled): nothing ran, nothing moved
          if (stoppedBy) return undefined;
          throw err;
        })
        .finally(() => progress.done());
      if (!outcome) return stopped(from);
      // Stopped after the move: it moved, and says so as usual.
      if (stoppedBy && !outcome.moved) {
        if (values.json) io.stdout.write(JSON.stringify(outcome, null, 2) + '\n');
        return stopped(outcome.from);
      }
      if (values.json) io.stdout.write(JSON.stringify(outcome, null, 2) + '\n');
      else printOutcome(io, values.label, outcome, evalsPkg);
      const hint = outcome.error ? workspace.hint(outcome.error) : undefined;
      if (hint) io.stderr.write(`patchbay promote: ${hint}\n`);
      return outcome.moved || outcome.status === 'unchanged' ? EXIT_OK : EXIT_FAILED;
    } finally {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onTerminate);
      await jobs.cancelAll();
      await workspace.close();
      await store.close();
    }
  },
};

/**
 * What the evals run with. With --store (or PATCHBAY_STORE) on a store its scaled-out servers published a
 * workspace to, that workspace, as a worker runs an eval's cases; else the data dir's (--data >
 * PATCHBAY_DATA > ./.patchbay), only read, as patchbay run does: a --data that is not there is named, not made.
 */
async function openEvalWorkspace(store: Store, values: { data?: string; config?: string; store?: string }, io: CliIO) {
  const shared = values.store ?? (io.env.PATCHBAY_STORE || undefined);
  const data = values.data ?? (io.env.PATCHBAY_DATA || undefined);
  const published = shared === undefined ? undefined : await openStoreWorkspace(store, io, { data: data && path.resolve(io.cwd, data), config: values.config, storeName: redactUrl(shared) });
  if (published) {
    io.stderr.write(`evaluating with the workspace published to the store (${published.pinned})\n`);
    const { pins } = published;
    return { ...published, pins: async () => pins, hint: (error: string) => storeWorkspaceHint(error) };
  }
  const services = await openWorkspaceServices(values, io, { createDataDir: false });
  // Pipeline and map nodes call the versions (and labels) of the store the promotion works on, as the runner's do.
  const [{ localPins }, { storeResolverOf }] = await Promise.all([import('../../workspace/workspace-key'), import('../../pipelines/pipeline-resolver')]);
  services.pipelines = storeResolverOf(store);
  // An index or tool the evals did not find here: usually the workspace is another data dir (the server's).
  return {
    services,
    config: services.config,
    pins: (document: PipelineDocument, called: readonly PipelineDocument[]) => localPins(services, document, called),
    close: () => services.close(),
    hint: (error: string) => dataDirHint(error, services.dataDir),
  };
}

function printOutcome(io: CliIO, label: string, outcome: import('../../deploy/promotion').PromotionOutcome, evals: typeof import('@patchbay/evals')) {
  if (outcome.status === 'unchanged') return void io.stdout.write(`${outcome.note}\n`);
  // The comparison's baseline is the holder's eval id: name the version it stands for first.
  const cmp = outcome.comparison;
  const holder = cmp && outcome.from !== null ? `v${outcome.from}, which ${label} holds (eval ${cmp.baseline})` : cmp?.baseline;
  // A gate is skipped where the label holds no version (say so in the promotion's words, not the eval's "no baseline"),
  // or where --force moved past a holder the suite cannot score (the promotion's message names it already).
  const notSet = `${label} is not set, so there is no version to compare v${outcome.to} with`;
  const skipped = (message: string) => (outcome.from === null ? notSet : message.replace(/^skipped: /, ''));
  const gates = outcome.gates && { ...outcome.gates, checks: outcome.gates.checks.map((c) => (c.skipped ? { ...c, message: skipped(c.message) } : c)) };
  // Each regressed case is named in the comparison only: the gates and the verdict below count them.
  const lines = evals.formatComparisonAndGates(cmp ? { ...cmp, baseline: holder! } : undefined, gates ?? undefined).flatMap((block) => [block, '']);
  const arrow = `${label}: ${outcome.from === null ? '(not set)' : `v${outcome.from}`} → v${outcome.to}`;
  if (outcome.error) lines.push(`promotion failed: ${outcome.error}; ${label} did not move`);
  else if (outcome.moved) lines.push(!outcome.forced ? arrow : outcome.from !== null && !cmp ? `${arrow} (forced, compared with nothing)` : `${arrow} (forced past failing gates)`);
  else {
    // The failing gates' own lines are printed above: name them, not their words again.
    const failing = outcome.gates?.checks.filter((c) => !c.passed).map((c) => c.gate) ?? [];
    lines.push(failing.length ? `refused: the ${new Intl.ListFormat('en').format(failing)} gate${failing.length === 1 ? '' : 's'} failed` : 'refused');
    lines.push(`${label} stays at ${outcome.from === null ? '(not set)' : `v${outcome.from}`}; --force moves it anyway`);
  }
  io.stdout.write(lines.join('\n') + '\n');
}
