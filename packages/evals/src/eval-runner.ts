import { behaviorHash, type PipelineDocument, type Services } from '@patchbay/core';
import { InProcessQueue, type CaseJob, type CaseQueue } from './case-queue';
import { caseInputsFor } from './case-inputs';
import { expectedTextProblem } from './expected-text';
import { createCaseWorker, type CaseRunnerSpec } from './case-runner';
import { compareRowsSliced } from './compare';
import { DatasetError, inspectDataset, readCases, type DatasetInfo } from './dataset';
import { evaluateGates } from './gates';
import type { CaseLog } from './result-file';
import type { CaseRecord, EvalResult } from './result-types';
import { rowKey, toScoreRow, type ScoreRow } from './score-rows';
import type { EvalSuite, Gate } from './suite';
import { summarizeSliced } from './summarize';
import { resolveTargets } from './targets';

export interface EvalProgress {
  done: number;
  total: number;
  passed: number;
  failed: number;
  errors: number;
  /** Cases allowed at once right now (halved by rate limits). */
  concurrency: number;
  /** The record that just finished (absent for the first report). */
  record?: CaseRecord;
}

export interface RunEvalOptions {
  /** A validated pipeline document. */
  pipeline: PipelineDocument;
  pipelineVersion?: number;
  suite: EvalSuite;
  services: Services;
  /** Where finished cases go; its `resumed` records are skipped. */
  log: CaseLog;
  /** Overrides of the suite's. */
  repeat?: number;
  concurrency?: number;
  queue?: CaseQueue;
  signal?: AbortSignal;
  onProgress?: (progress: EvalProgress) => void;
  /**
   * What prepareEval returned, when the caller checked the run already (the
   * CLI does, to exit 2 before opening anything): the dataset is then not read
   * a second time before the first case.
   */
  prepared?: DatasetInfo;
  /** Called once the dataset is read, before any case runs. */
  onStart?: (info: DatasetInfo & { total: number; resumed: number }) => void;
  baseline?: { rows: ScoreRow[]; label: string; datasetHash?: string };
  gate?: Gate;
  /** Sees each case's whole run (node traces included) as it ends, e.g. to store it as a run. */
  onCaseRun?: CaseRunnerSpec['onRun'];
}

/** The result without its cases, which stay in the log until written out. */
export type EvalHead = Omit<EvalResult, 'cases'>;

/** Checks everything a run needs before the first case: the dataset, every case's inputs, the scorers' targets. */
export async function prepareEval(pipeline: PipelineDocument, suite: EvalSuite): Promise<DatasetInfo> {
  resolveTargets(pipeline, suite.scorers);
  const toInputs = caseInputsFor(pipeline);
  const info = await inspectDataset(suite.dataset, {
    check: (c) => {
      const mapped = toInputs(c.input);
      return 'problem' in mapped ? mapped.problem : expectedTextProblem(suite.scorers, c);
    },
  });
  // Nothing to score is a mistake (a wrong path, an empty export), not a run that passes every gate.
  if (info.cases === 0) throw new DatasetError(`${info.source}: no cases`);
  return info;
}

/**
 * Runs every case × repeat of a suite through the pipeline and scores it:
 * cases stream from the dataset into the queue, records stream into the log,
 * and only each record's scores stay in memory for the statistics.
 */
export async function runEval(options: RunEvalOptions): Promise<EvalHead> {
  const { pipeline, suite, log } = options;
  const repeat = options.repeat ?? suite.repeat;
  const startedAt = log.startedAt ?? new Date().toISOString();
  const info = options.prepared ?? (await prepareEval(pipeline, suite));
  const targets = resolveTargets(pipeline, suite.scorers);

  const rows: ScoreRow[] = [];
  const done = new Set<string>();
  for (const record of log.resumed) {
    if (done.has(rowKey(record))) continue;
    done.add(rowKey(record));
    rows.push(toScoreRow(record));
  }
  const total = info.cases * repeat;
  options.onStart?.({ ...info, total, resumed: rows.length });

  const queue: CaseQueue = options.queue ?? new InProcessQueue({ concurrency: options.concurrency ?? suite.concurrency });
  const limit = () => queue.limiter?.limit ?? options.concurrency ?? suite.concurrency;
  const counts = { passed: 0, failed: 0, errors: 0 };
  for (const r of rows) tally(counts, r);
  const progress = (record?: CaseRecord) =>
    options.onProgress?.({ done: rows.length, total, ...counts, concurrency: limit(), ...(record ? { record } : {}) });
  progress();

  // Each case's place in the dataset: statistics read rows in that order, never in the order cases happened to finish.
  const positions = new Map<string, number>();
  async function* jobs(): AsyncGenerator<CaseJob> {
    for await (const { case: c } of readCases(suite.dataset)) {
      positions.set(c.id, positions.size);
      for (let r = 1; r <= repeat; r++) if (!done.has(`${c.id}#${r}`)) yield { case: c, repeat: r };
    }
  }
  const worker = createCaseWorker({ pipeline, scorers: suite.scorers, targets, services: options.services, onRun: options.onCaseRun });
  for await (const record of queue.process(jobs(), worker, { signal: options.signal })) {
    if (!queue.recordsCases) await log.append(record);
    const row = toScoreRow(record);
    rows.push(row);
    tally(counts, row);
    progress(record);
  }

  const names = suite.scorers.map((s) => s.name);
  // Bootstrap intervals depend on the order of the rows: the dataset's order makes them the same however the cases were scheduled.
  rows.sort((a, b) => (positions.get(a.id) ?? 0) - (positions.get(b.id) ?? 0) || a.repeat - b.repeat);
  const head: EvalHead = {
    format: 'patchbay.eval-result/v1',
    suite: suite.name,
    pipeline: { name: pipeline.name, behaviorHash: behaviorHash(pipeline), ...(options.pipelineVersion !== undefined ? { version: options.pipelineVersion } : {}) },
    dataset: { hash: info.hash, cases: info.cases, source: info.source },
    repeat,
    seed: suite.seed,
    startedAt,
    finishedAt: new Date().toISOString(),
    // Sliced: a bootstrap over 100,000 cases (and a baseline's sign-flip test) would hold a runner for seconds.
    summary: await summarizeSliced(rows, names, { seed: suite.seed, repeat }),
  };
  if (options.baseline) {
    const warnings = options.baseline.datasetHash && options.baseline.datasetHash !== info.hash
      ? ['the baseline ran on a different dataset (content hashes differ); only cases with the same id are paired']
      : [];
    head.comparison = await compareRowsSliced(options.baseline.rows, rows, { baselineLabel: options.baseline.label, seed: suite.seed, scorers: names, warnings });
  }
  if (options.gate) head.gates = evaluateGates(options.gate, head);
  return head;
}

function tally(counts: { passed: number; failed: number; errors: number }, row: ScoreRow) {
  if (row.status === 'passed') counts.passed++;
  else counts.failed++;
  if (row.status === 'error') counts.errors++;
}
