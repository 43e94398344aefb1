import { randomUUID } from 'node:crypto';
import type { PipelineDocument } from '@patchbay/core';
import { setTimeout } from 'node:timers/promises';
import { evalBaseline, prepareEvalSession, runEvalSession, type CaseQueue, type CaseRecord, type EvalSessionServices, type EvalSessionSpec, type PreparedEvalSession } from '@patchbay/evals';
import { jobKind, type JobContext, type JobListener, type JobRegistry } from '../jobs/job-registry';
import { PROCESS_OWNER } from '../runs/run-manager';
import type { DatasetRecord } from '../store/datasets';
import type { EvalStore, StoredEval } from '../store/evals';
import type { RunStore } from '../store/runs';
import { isStoreUnavailable, untilStoreAnswers } from '../store/store-unavailable';
import { casePositions } from './case-positions';
import { caseEvent, startedEvent, storedEvents, type EvalEvent } from './eval-events';
import { StoredCaseLog } from './stored-case-log';
import { storeCaseRun } from './store-case-run';
import type { WorkspacePins } from '../workspace/workspace-pins';
import { storedCalls, workspaceKey, type StoredCalls } from '../workspace/workspace-key';

export interface StartEval {
  /** The eval session, checked (prepareEvalSession) over the stored dataset's cases. */
  session: PreparedEvalSession;
  pipeline: string;
  version: number;
  dataset: DatasetRecord;
  /** A finished eval to compare with when this one ends. */
  baseline?: StoredEval;
}

export type EvalListener = JobListener<EvalEvent>;

/** An eval as a job: what it runs, and what a resumed one keeps. */
export interface EvalJob extends StartEval {
  id: string;
  /** Epoch ms of its first start. */
  createdAt: number;
  /** Cases a resumed eval finished before it stopped. */
  kept: CaseRecord[];
  /**
   * What its cases run with when the queue holds no pins of this eval: at its start, the pins recorded on it
   * (`spec.workspace`); resumed, pinned again as a start pins (a queue keeps the pins it started with while it holds them).
   */
  pin: () => Promise<WorkspacePins>;
}

export const EVAL_JOB = jobKind<EvalJob, EvalEvent>('eval');

/** How long an eval that lost its store waits before it asks again. */
const STORE_RETRY_MS = 500;

/**
 * Runs eval sessions as jobs of the registry with the runner's services: each
 * finished case is stored at once (and its run, with every node trace, as a
 * normal run, so a case opens on the canvas), and its progress is published
 * for SSE subscribers, who get past events replayed first.
 */
export class EvalManager {
  constructor(
    private readonly deps: {
      evals: EvalStore;
      runs: RunStore;
      services: EvalSessionServices;
      jobs: JobRegistry;
      log?: (line: string) => void;
      /**
       * What an eval of `document` started now runs with besides the pipeline (the config and the indexes it
       * and the stored pipelines it calls, `called`, read, by content): recorded on the eval (spec.workspace),
       * so a promotion reuses only an eval of the same workspace.
       */
      workspacePins: (document: PipelineDocument, called: readonly PipelineDocument[]) => Promise<WorkspacePins>;
      /** Told of each finished case (Prometheus counts them). */
      observeCase?: (pipeline: string | null, status: string) => void;
      /** Where an eval's cases run when scaled out (a queue over worker processes); default in this process. */
      caseQueue?: (request: EvalJob, positions: Map<string, number>) => CaseQueue;
      /** Scaled out: settles once the queue answers, rejects (QueueUnavailableError: a 503) when it does not in a few seconds. */
      queueReachable?: () => Promise<void>;
    },
  ) {
    deps.jobs.define(EVAL_JOB, (payload, job) => this.execute(payload, job));
  }

  /** Records the eval as running and starts it; returns its id at once. */
  async start(request: StartEval): Promise<string> {
    const { session, dataset } = request;
    const { suite } = session.spec;
    // Its cases go through the queue: with Redis gone, refuse it now (nothing recorded) rather than accept one that waits.
    await this.deps.queueReachable?.();
    const { calls, pins } = await this.pinsNow(session.pipeline);
    const id = randomUUID();
    const createdAt = Date.now();
    await this.deps.evals.create({
      id,
      pipeline: request.pipeline,
      version: request.version,
      dataset: { name: dataset.name, hash: dataset.hash, cases: dataset.cases.length },
      total: session.total,
      baseline: request.baseline?.id ?? null,
      spec: {
        suite: suite.name,
        scorers: suite.scorers,
        repeat: session.repeat,
        seed: suite.seed,
        concurrency: suite.concurrency,
        ...(suite.gate ? { gate: suite.gate } : {}),
        behaviorHash: session.identity.behaviorHash,
        workspace: workspaceKey(pins, session.pipeline, calls),
      },
      createdAt,
      owner: PROCESS_OWNER,
    });
    this.deps.jobs.start(EVAL_JOB, id, { ...request, id, createdAt, kept: [], pin: async () => pins });
    return id;
  }

  /** An eval session checked as its cases will run: `pipeline` and `map` nodes resolve against the store, as in a run. */
  prepare(spec: EvalSessionSpec): Promise<PreparedEvalSession> {
    return prepareEvalSession(spec, { pipelines: this.deps.services.pipelines });
  }

  /** The workspace an eval of `document` started now would record (spec.workspace). */
  async workspaceOf(document: PipelineDocument): Promise<string> {
    const { calls, pins } = await this.pinsNow(document);
    return workspaceKey(pins, document, calls);
  }

  /** What an eval of `document` started now is pinned to: the indexes of it and of the stored pipelines it calls as they resolve now. */
  private async pinsNow(document: PipelineDocument): Promise<{ calls: StoredCalls; pins: WorkspacePins }> {
    const calls = await storedCalls(document, this.deps.services.pipelines);
    return { calls, pins: await this.deps.workspacePins(document, calls.documents) };
  }

  /**
   * Whether a stopped eval of `document` would run its other cases in another workspace than it recorded: in
   * this process they run with the workspace of now (a queue's keep the pins the eval started with).
   */
  async workspaceChanged(stored: StoredEval, document: PipelineDocument): Promise<boolean> {
    if (this.deps.caseQueue || stored.spec.workspace === undefined) return false;
    return (await this.workspaceOf(document)) !== stored.spec.workspace;
  }

  /**
   * Continues an interrupted or cancelled eval where it stopped: the cases it
   * stored are kept (and replayed to subscribers first), the rest run with the
   * same version, dataset and suite. False when it is not stopped (or another
   * resume got there first).
   */
  async resume(stored: StoredEval, request: StartEval): Promise<boolean> {
    await this.deps.queueReachable?.();
    if (!(await this.deps.evals.reopen(stored.id, PROCESS_OWNER))) return false;
    const kept = await this.deps.evals.casesInFinishOrder(stored.id);
    // Its pins are asked for only when the queue lost them (a Redis that came back empty): then as a start pins.
    const pin = async () => (await this.pinsNow(request.session.pipeline)).pins;
    this.deps.jobs.start(EVAL_JOB, stored.id, { ...request, id: stored.id, createdAt: Date.parse(stored.createdAt), kept, pin });
    return true;
  }

  private async execute(request: EvalJob, run: JobContext<EvalEvent>): Promise<void> {
    const { session } = request;
    const total = session.total;
    // A resumed eval's stream shows what a subscriber would have seen had it never stopped.
    const dataset = { name: request.dataset.name, hash: request.dataset.hash, cases: request.dataset.cases.length };
    run.publish(startedEvent({ id: run.id, pipeline: request.pipeline, version: request.version, dataset, progress: { done: 0, total } }, request.createdAt));
    const { evals } = this.deps;
    const positions = await casePositions(request.dataset.cases);
    // Each case is announced once, however many times the eval goes on after losing its store.
    const announced = new Set<string>();
    const announce = (record: CaseRecord, observe = true) => {
      const key = `${record.id}#${record.repeat}`;
      if (announced.has(key)) return;
      announced.add(key);
      run.publish(caseEvent(run.id, record, announced.size, total));
      if (observe) this.deps.observeCase?.(request.pipeline, record.status);
    };
    for (const record of request.kept) announce(record, false);
    let kept = request.kept;
    for (;;) {
      try {
        // Inside the try: whatever fails is recorded on the eval, never left as a rejection nobody awaits.
        const baseline = request.baseline ? evalBaseline(await evals.cases(request.baseline.id), request.baseline.id, request.baseline.dataset.hash) : undefined;
        const head = await runEvalSession(session, {
          services: this.deps.services,
          log: new StoredCaseLog(evals, run.id, positions, kept, new Date(request.createdAt).toISOString()),
          signal: run.signal,
          onProgress: (p) => p.record && announce(p.record),
          onCaseRun: (result) => storeCaseRun(this.deps.runs, result, session.pipeline),
          baseline,
          queue: this.deps.caseQueue?.(request, positions),
        });
        head.dataset = { ...head.dataset, source: `dataset "${request.dataset.name}"` };
        if (!(await untilStoreAnswers(() => evals.finish(run.id, { status: 'succeeded', head }, { owner: PROCESS_OWNER })))) return this.lost(run);
        run.publish({ type: 'eval.completed', evalId: run.id, status: 'succeeded', summary: head.summary, at: Date.now() });
        return;
      } catch (err) {
        let failure = err;
        // The store went away (PostgreSQL restarting): the cases recorded so far are kept, and the eval
        // goes on from them once it is back, as a resume would. Failing it would leave it `running` (its
        // failure could not be recorded either), or failed with every case done.
        if (!run.signal.aborted && isStoreUnavailable(err)) {
          this.deps.log?.(`eval ${run.id}: the store is out of reach (${(err as Error).message}); it goes on when the store is back`);
          try {
            await setTimeout(STORE_RETRY_MS, undefined, { signal: run.signal });
            kept = await untilStoreAnswers(() => evals.casesInFinishOrder(run.id), run.signal);
            for (const record of kept) announce(record); // cases recorded while this process could not hear of them
            continue;
          } catch (again) {
            failure = again;
          }
        }
        await this.recordFailure(run, failure);
        return;
      }
    }
  }

  /** An eval that failed or was cancelled: recorded (waiting for the store when it is out of reach), then told. */
  private async recordFailure(run: JobContext<EvalEvent>, err: unknown): Promise<void> {
    const cancelled = run.signal.aborted;
    const reason = run.signal.reason;
    const message = cancelled ? (reason instanceof Error ? reason.message : 'cancelled') : ((err as Error)?.message ?? String(err));
    if (!cancelled) this.deps.log?.(`eval ${run.id} failed: ${message}`);
    const status = cancelled ? 'cancelled' : 'failed';
    if (!(await untilStoreAnswers(() => this.deps.evals.finish(run.id, { status, error: message }, { owner: PROCESS_OWNER })))) return this.lost(run);
    run.publish({ type: 'eval.failed', evalId: run.id, status, error: message, at: Date.now() });
  }

  /**
   * Its finish ended nothing: another server took the eval over (reopened it as its own after taking this one for
   * dead) and ends it itself. Nothing is told here, and its shared stream and keys are left to that server.
   */
  private lost(run: JobContext<EvalEvent>): void {
    this.deps.log?.(`eval ${run.id}: another server took it over, which ends it`);
    run.lost?.();
  }

  isActive(id: string): Promise<boolean> {
    return Promise.resolve(this.deps.jobs.isLive(EVAL_JOB, id));
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
