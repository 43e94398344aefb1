import { randomUUID } from 'node:crypto';
import { behaviorHash, type PipelineDocument, type Services } from '@patchbay/core';
import { prepareEval, runEval, toScoreRow, type CaseRecord, type DatasetInfo, type EvalSuite } from '@patchbay/evals';
import { jobKind, type JobContext, type JobListener, type JobRegistry } from '../jobs/job-registry';
import { PROCESS_OWNER } from '../runs/run-manager';
import type { DatasetRecord } from '../store/datasets';
import type { EvalStore, StoredEval } from '../store/evals';
import type { RunStore } from '../store/runs';
import { caseEvent, startedEvent, storedEvents, type EvalEvent } from './eval-events';
import { StoredCaseLog } from './stored-case-log';
import { storeCaseRun } from './store-case-run';

export interface StartEval {
  /** A version without problems (checked by the caller). */
  document: PipelineDocument;
  pipeline: string;
  version: number;
  dataset: DatasetRecord;
  /** A suite whose dataset is `dataset`'s cases, inline. */
  suite: EvalSuite;
  /** A finished eval to compare with when this one ends. */
  baseline?: StoredEval;
}

export type EvalListener = JobListener<EvalEvent>;

/** An eval as a job: what it runs, how many case runs it has, and what a resumed one keeps. */
export interface EvalJob extends StartEval {
  id: string;
  total: number;
  /** Epoch ms of its first start. */
  createdAt: number;
  prepared: DatasetInfo;
  resumed?: { kept: CaseRecord[]; startedAt: string };
}

export const EVAL_JOB = jobKind<EvalJob, EvalEvent>('eval');

/**
 * Runs evals in this process through the evals package's runner with the
 * runner's services: each finished case is stored at once (and its run, with
 * every node trace, as a normal run, so a case opens on the canvas), and its
 * progress is fanned out to SSE subscribers, who get past events replayed first.
 */
export class EvalManager {
  constructor(
    private readonly deps: {
      evals: EvalStore;
      runs: RunStore;
      /** `uncachedModels` (the workspace's): repeats above 1 go past the response cache, as `patchbay eval` does, or every attempt would be the first one's reply. */
      services: Services & { uncachedModels?: Services['models'] };
      jobs: JobRegistry;
      log?: (line: string) => void;
      /** Told of each finished case (Prometheus counts them). */
      observeCase?: (pipeline: string | null, status: string) => void;
    },
  ) {
    deps.jobs.define(EVAL_JOB, (payload, job) => this.execute(payload, job));
  }

  /**
   * Checks that the suite fits the pipeline (scorer targets, every case's
   * inputs: TargetError / DatasetError before anything is stored), records the
   * eval as running and starts it. Returns its id at once.
   */
  async start(request: StartEval): Promise<string> {
    const { document, suite, dataset } = request;
    const prepared = await prepareEval(document, suite);
    const id = randomUUID();
    const total = dataset.cases.length * suite.repeat;
    const createdAt = Date.now();
    const ref = { name: dataset.name, hash: dataset.hash, cases: dataset.cases.length };
    await this.deps.evals.create({
      id,
      pipeline: request.pipeline,
      version: request.version,
      dataset: ref,
      total,
      baseline: request.baseline?.id ?? null,
      spec: {
        suite: suite.name,
        scorers: suite.scorers,
        repeat: suite.repeat,
        seed: suite.seed,
        concurrency: suite.concurrency,
        ...(suite.gate ? { gate: suite.gate } : {}),
        behaviorHash: behaviorHash(document),
      },
      createdAt,
      owner: PROCESS_OWNER,
    });
    this.deps.jobs.start(EVAL_JOB, id, { ...request, id, total, createdAt, prepared });
    return id;
  }

  /**
   * Continues an interrupted or cancelled eval where it stopped: the cases it
   * stored are kept (and replayed to subscribers first), the rest run with the
   * same version, dataset and suite. False when it is not stopped (or another
   * resume got there first).
   */
  async resume(stored: StoredEval, request: StartEval): Promise<boolean> {
    const prepared = await prepareEval(request.document, request.suite);
    if (!(await this.deps.evals.reopen(stored.id, PROCESS_OWNER))) return false;
    const kept = await this.deps.evals.casesInFinishOrder(stored.id);
    this.deps.jobs.start(EVAL_JOB, stored.id, { ...request, id: stored.id, total: stored.progress.total, createdAt: Date.parse(stored.createdAt), prepared, resumed: { kept, startedAt: stored.createdAt } });
    return true;
  }

  private async execute(request: EvalJob, run: JobContext<EvalEvent>): Promise<void> {
    const { total, prepared, resumed } = request;
    const kept = resumed?.kept ?? [];
    // The same events a subscriber would have seen had a resumed eval never stopped.
    const dataset = { name: request.dataset.name, hash: request.dataset.hash, cases: request.dataset.cases.length };
    run.publish(startedEvent({ id: run.id, pipeline: request.pipeline, version: request.version, dataset, progress: { done: 0, total } }, request.createdAt));
    kept.forEach((record, i) => run.publish(caseEvent(run.id, record, i + 1, total)));
    const { evals } = this.deps;
    const positions = new Map(request.dataset.cases.map((c, i) => [c.id, i]));
    let done = kept.length;
    try {
      // Inside the try: whatever fails is recorded on the eval, never left as a rejection nobody awaits.
      const baseline = request.baseline
        ? { rows: (await evals.cases(request.baseline.id)).map(toScoreRow), label: request.baseline.id, datasetHash: request.baseline.dataset.hash }
        : undefined;
      const head = await runEval({
        pipeline: request.document,
        pipelineVersion: request.version,
        prepared,
        suite: request.suite,
        services: request.suite.repeat > 1 && this.deps.services.uncachedModels ? { ...this.deps.services, models: this.deps.services.uncachedModels } : this.deps.services,
        log: new StoredCaseLog(evals, run.id, positions, kept, resumed?.startedAt),
        signal: run.signal,
        onProgress: (p) => {
          if (!p.record) return;
          run.publish(caseEvent(run.id, p.record, ++done, total));
          this.deps.observeCase?.(request.pipeline, p.record.status);
        },
        onCaseRun: (result) => storeCaseRun(this.deps.runs, result, request.document),
        baseline,
        gate: request.suite.gate,
      });
      head.dataset = { ...head.dataset, source: `dataset "${request.dataset.name}"` };
      await evals.finish(run.id, { status: 'succeeded', head });
      run.publish({ type: 'eval.completed', evalId: run.id, status: 'succeeded', summary: head.summary, at: Date.now() });
    } catch (err) {
      const cancelled = run.signal.aborted;
      const reason = run.signal.reason;
      const message = cancelled ? (reason instanceof Error ? reason.message : 'cancelled') : ((err as Error)?.message ?? String(err));
      if (!cancelled) this.deps.log?.(`eval ${run.id} failed: ${message}`);
      await evals.finish(run.id, { status: cancelled ? 'cancelled' : 'failed', error: message });
      run.publish({ type: 'eval.failed', evalId: run.id, status: cancelled ? 'cancelled' : 'failed', error: message, at: Date.now() });
    }
  }

  isActive(id: string): boolean {
    return this.deps.jobs.isLive(EVAL_JOB, id);
  }

  /** Replays a live eval's events from `fromSeq`, then streams the rest; undefined when it is not live. */
  subscribe(id: string, fromSeq: number, onEvent: EvalListener, onEnd: () => void): (() => void) | undefined {
    return this.deps.jobs.subscribe(EVAL_JOB, id, fromSeq, onEvent, onEnd);
  }

  /** Every event of an eval that is no longer live. */
  async pastEvents(id: string): Promise<EvalEvent[] | undefined> {
    const stored = await this.deps.evals.get(id);
    if (!stored) return undefined;
    return storedEvents(stored, await this.deps.evals.casesInFinishOrder(id));
  }

  /** Cancels a live eval (finished cases are kept) and waits for it to be recorded. False when it is not live. */
  cancel(id: string, waitMs = 10_000): Promise<boolean> {
    return this.deps.jobs.cancel(EVAL_JOB, id, { waitMs });
  }
}
