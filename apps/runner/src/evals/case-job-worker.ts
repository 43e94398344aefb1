import { setMaxListeners } from 'node:events';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { createCaseWorker, resolveTargets, sessionServices, type CaseRecord, type CaseWorker, type EvalSessionServices, type LeaseOutcome } from '@patchbay/evals';
import { CASE_QUEUE, caseJobPayload, caseKeys, type CaseJobData, type CaseJobResult, type EvalCaseSpec } from '../queue/case-jobs';
import type { CancelChannel } from '../queue/cancel-channel';
import { checkedJobData, MalformedJobError } from '../queue/job-payload';
import { redisConnection } from '../queue/redis-url';
import { withoutRepeats } from '../queue/repeated-lines';
import type { CaseRun, EvalStore } from '../store/evals';
import type { RunStore } from '../store/runs';
import { caseRun } from './store-case-run';
import type { WorkspacePins } from '../workspace/workspace-pins';
import type { ResolvedWorkspace } from '../workspace/workspace-resolver';

export interface CaseJobWorkerOptions {
  url: string;
  prefix: string;
  redis: Redis;
  cancels: CancelChannel;
  store: { evals: EvalStore; runs: RunStore };
  /** This process's services: provider keys come from its own environment. */
  services: EvalSessionServices;
  /** Scaled out: the services of the workspace an eval was pinned to (config and indexes from the store). */
  workspaceFor?: (pins?: WorkspacePins) => Promise<ResolvedWorkspace>;
  concurrency: number;
  /** An eval's case runner unused this long is dropped (a worker lives through many evals); its next case builds it again. Default 10 minutes. */
  idleMs?: number;
  lockDuration?: number;
  stalledInterval?: number;
  /** Masks this process's secret values (a key a model repeated) out of a case's result before it goes to Redis. */
  redact?: (json: string) => string;
  log: (line: string) => void;
}

/**
 * Takes eval cases off the queue in a worker process: builds the eval's case
 * runner once from its spec in Redis, runs the case with this process's
 * services, records it in the store keyed by (eval, case, repeat) — a second
 * record of the same case (a job retried after its worker died) is ignored —
 * and appends the recorded case to the eval's results stream for the
 * coordinator. A case already recorded is not run again.
 */
export class CaseJobWorker {
  private readonly worker: Worker;
  /** The worker's own connection: BullMQ never closes a connection it was given, so `close` does. */
  private readonly connection: Redis;
  private readonly runners = new Map<string, Promise<{ run: CaseWorker<CaseRecord>; spec: EvalCaseSpec } | null>>();
  /** When each eval's runner was last asked for: idle ones are dropped. */
  private readonly used = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;
  /** Cases running here, per eval, so an eval's cancel aborts them. */
  private readonly running = new Map<string, Set<AbortController>>();
  /** Each running case's run, from the case runner until it is stored with the case's record. */
  private readonly runs = new WeakMap<object, CaseRun>();

  constructor(private readonly options: CaseJobWorkerOptions) {
    const cancel = (id: string, reason: string) => {
      for (const controller of this.running.get(id) ?? []) controller.abort(new Error(reason));
      this.runners.delete(id);
      this.used.delete(id);
    };
    const idleMs = options.idleMs ?? 10 * 60_000;
    this.sweeper = setInterval(() => this.dropIdle(idleMs), Math.min(idleMs, 60_000));
    this.sweeper.unref();
    options.cancels.listen((kind, id, reason) => kind === 'eval' && cancel(id, reason));
    // A cancel sent while Redis was out of reach was not heard: the evals this process runs or knows read their keys.
    options.cancels.onReconnect(() => {
      const ids = [...new Set([...this.running.keys(), ...this.runners.keys()])];
      options.cancels.cancelled('eval', ids).then(
        (found) => found.forEach((reason, id) => cancel(id, reason)),
        () => this.runners.clear(), // not readable now: the next case of each eval looks again
      );
    });
    this.connection = redisConnection(options.url, { blocking: true, name: 'patchbay-case-worker' });
    this.worker = new Worker(CASE_QUEUE, (job) => this.process(job), {
      connection: this.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.stalledInterval ?? 30_000,
      // A case whose worker died is taken up again, more than once if need be: it is recorded once either way.
      maxStalledCount: 5,
      skipVersionCheck: true,
    });
    const errors = withoutRepeats(options.log);
    this.worker.on('error', (err) => errors(`case worker: ${err.message}`));
    // A case that could not be recorded (the store or Redis went away) is queued again by the eval's
    // coordinator: say so, or an outage leaves no trace in the worker's log.
    this.worker.on('failed', (job, err) => {
      if (job && !(err instanceof MalformedJobError)) options.log(`could not finish case "${job.data.case.id}" of eval ${job.data.evalId}: ${err.message}; it will be run again`);
    });
  }

  /** Stops taking cases; running ones finish (up to `graceMs`), the rest go back to the queue for other workers. */
  async close(graceMs = 10_000): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.race([this.worker.close(), new Promise((r) => setTimeout(r, graceMs).unref())]);
    await this.worker.close(true).catch(() => {});
    // Left open, it held the process after a stop (an idle worker exited only when forced, 2 s later).
    this.connection.disconnect();
  }

  private async process(job: Job<CaseJobData>): Promise<void> {
    let data: CaseJobData;
    try {
      data = checkedJobData(CASE_QUEUE, job.id, caseJobPayload, job.data);
    } catch (err) {
      this.options.log((err as Error).message); // said once here; BullMQ keeps the job as failed, with this reason
      throw err;
    }
    const { evalId } = data;
    const { store } = this.options;
    // Only a case taken up again (a retry, a stalled job, a sweep) can be recorded already: a first
    // attempt skips the read (a PostgreSQL round trip per case); a double record is refused either way.
    const fresh = data.attempt === 1 && job.attemptsStarted <= 1 && job.stalledCounter === 0 && job.attemptsMade === 0;
    const recorded = fresh ? undefined : await store.evals.readCase(evalId, data.case.id, data.repeat);
    if (recorded) return this.publish(data, { key: data.key, record: recorded });
    const runner = await this.runnerFor(evalId);
    if (!runner) return; // the eval ended (its spec is gone) or was cancelled: nobody waits for this case
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    const live = this.running.get(evalId) ?? new Set();
    this.running.set(evalId, live.add(controller));
    const done = () => {
      live.delete(controller);
      if (live.size === 0) this.running.delete(evalId);
    };
    // No slot to take here: the coordinator admits no more cases than the eval's limit, over all workers.
    let record: CaseRecord;
    let outcome: LeaseOutcome = 'other';
    const caseJob = { case: data.case, repeat: data.repeat };
    try {
      const ran = await runner.run(caseJob, controller.signal, { attempt: data.attempt, last: data.last });
      const limited = ran.rateLimited && !data.last;
      outcome = limited ? 'rate-limited' : ran.rateLimited ? 'other' : 'success';
      if (limited) {
        this.storeRunAlone(caseJob);
        return this.publish(data, { key: data.key, rateLimited: true, outcome, ...(ran.retryAfterMs !== undefined ? { retryAfterMs: ran.retryAfterMs } : {}) });
      }
      record = ran.record;
    } catch (err) {
      if (controller.signal.aborted) return this.storeRunAlone(caseJob); // cancelled: not recorded (a resumed eval runs it again)
      record = errorRecord(data, runner.spec, (err as Error)?.message ?? String(err));
    } finally {
      done();
    }
    const first = await store.evals.appendCase(evalId, record, data.position, this.runs.get(caseJob));
    const kept = first ? record : ((await store.evals.readCase(evalId, data.case.id, data.repeat)) ?? record);
    await this.publish(data, { key: data.key, record: kept, outcome });
  }

  /** The run of an attempt that records no case (rate limited, cancelled): stored on its own, as any run. */
  private storeRunAlone(caseJob: object): void {
    const run = this.runs.get(caseJob);
    if (!run) return;
    void this.options.store.runs.begin(run.start);
    void this.options.store.runs.finish(run.finish);
  }

  private async publish(data: CaseJobData, result: CaseJobResult): Promise<void> {
    const { results } = caseKeys(this.options.prefix, data.evalId);
    const json = JSON.stringify(result);
    await this.options.redis.xadd(results, '*', 'r', this.options.redact ? this.options.redact(json) : json);
  }

  /** How many evals' case runners this process keeps now. */
  get evalsHeld(): number {
    return this.runners.size;
  }

  /** Drops the runners of evals with no case here for `idleMs` (a finished eval sends no word to its workers). */
  private dropIdle(idleMs: number): void {
    const now = Date.now();
    for (const [evalId, at] of this.used) {
      if (now - at < idleMs || this.running.has(evalId)) continue;
      this.used.delete(evalId);
      this.runners.delete(evalId);
    }
  }

  /** The eval's case runner, built once per process from the spec its coordinator wrote. */
  private runnerFor(evalId: string) {
    this.used.set(evalId, Date.now());
    let runner = this.runners.get(evalId);
    if (!runner) {
      // An eval cancelled before this process listened has a cancel key; one cancelled later drops its
      // runner here (see the constructor), so the next case looks again: one look per eval, not per case.
      runner = Promise.all([this.options.redis.get(caseKeys(this.options.prefix, evalId).spec), this.options.cancels.reasonFor('eval', evalId)]).then(async ([json, cancelled]) => {
        if (!json || cancelled !== null) return null;
        const spec = JSON.parse(json) as EvalCaseSpec;
        const targets = resolveTargets(spec.pipeline, spec.scorers);
        const workspace = this.options.workspaceFor ? (await this.options.workspaceFor(spec.workspace)).services : this.options.services;
        const services = sessionServices(workspace, spec.cached);
        const run = createCaseWorker({
          pipeline: spec.pipeline,
          scorers: spec.scorers,
          targets,
          services,
          // Stored with the case's record, in one statement (store/evals.ts): not on its own.
          onRun: (result, job) => this.runs.set(job, caseRun(result, spec.pipeline)),
        });
        return { run, spec };
      });
      // Not kept when there is none: an eval resumed later (its spec written again) is looked up afresh.
      const forget = () => this.runners.get(evalId) === runner && this.runners.delete(evalId);
      runner.then((found) => found ?? forget(), forget);
      this.runners.set(evalId, runner);
    }
    return runner;
  }
}

/** A case whose runner threw (not a pipeline failure, which the runner records itself). */
function errorRecord(data: CaseJobData, spec: EvalCaseSpec, error: string): CaseRecord {
  const scores = Object.fromEntries(spec.scorers.map((s) => [s.name, { score: 0, pass: false, reason: 'pipeline failed' }]));
  return { id: data.case.id, repeat: data.repeat, input: data.case.input, status: 'error', outputs: {}, scores, latencyMs: 0, tokens: null, costUsd: null, error };
}
