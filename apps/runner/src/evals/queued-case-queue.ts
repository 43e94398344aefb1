import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { rateLimitWaitMs, type CaseJob, type CaseQueue, type CaseRecord } from '@patchbay/evals';
import { CASE_QUEUE, caseJobId, caseKeys, type CaseJobData, type CaseJobResult, type EvalCaseSpec } from '../queue/case-jobs';
import type { CancelChannel } from '../queue/cancel-channel';
import { SharedEvalLimit } from '../queue/shared-eval-limit';
import type { WorkspacePins } from '../workspace/workspace-pins';

export interface QueuedCaseQueueOptions {
  redis: Redis;
  queue: Queue;
  cancels: CancelChannel;
  prefix: string;
  evalId: string;
  spec: EvalCaseSpec;
  /** Pins the eval's workspace (config, indexes) when it starts: every case of it runs with the same. */
  pin?: () => Promise<WorkspacePins>;
  /** Each case id's place in the dataset. */
  positions: Map<string, number>;
  /** Cases of this eval at once over all workers (the suite's concurrency); a 429 halves it for a while. */
  concurrency: number;
  maxRateLimitRetries?: number;
  /** First wait before a rate-limited case is queued again (doubling); a provider's Retry-After takes its place. */
  backoffMs?: number;
}

interface Outstanding {
  job: CaseJob;
  attempt: number;
  /** The limit's epoch when it was admitted (a burst of 429s cuts once). */
  epoch: number;
}

/**
 * The eval runner's CaseQueue when scaled out: each case × repeat becomes a
 * BullMQ job (id keyed by eval, case, repeat) that any worker takes; the
 * worker records the case in the store (once, whatever happens to the job)
 * and appends it to the eval's results stream, which this reads. The
 * eval's adaptive 429 limit is one SharedEvalLimit for every worker: this
 * process admits no more jobs than the limit (queued or running, over all
 * workers), and each result says how its case went, so a 429 on any worker
 * halves it for all. The eval's concurrency caps the whole eval, not each worker.
 */
export class QueuedCaseQueue implements CaseQueue {
  readonly limiter: SharedEvalLimit;
  /** Workers record each case in the store before they publish it: the runner does not record it again. */
  readonly recordsCases = true;

  constructor(private readonly options: QueuedCaseQueueOptions) {
    this.limiter = new SharedEvalLimit({ redis: options.redis, prefix: options.prefix, evalId: options.evalId, max: options.concurrency });
  }

  // The worker function cannot cross processes: workers build it from the eval's spec (EvalCaseSpec).
  async *process<R>(jobs: AsyncIterable<CaseJob>, _worker: unknown, options: { signal?: AbortSignal } = {}): AsyncIterable<R> {
    const { redis, queue, evalId, prefix } = this.options;
    const keys = caseKeys(prefix, evalId);
    const signal = options.signal ?? new AbortController().signal;
    const maxRetries = this.options.maxRateLimitRetries ?? 20;
    const backoffMs = this.options.backoffMs ?? 250;
    const spec: EvalCaseSpec = this.options.pin ? { ...this.options.spec, workspace: await this.pinned(this.options.pin) } : this.options.spec;
    const specJson = JSON.stringify(spec);
    await redis.multi().set(keys.spec, specJson, 'EX', 7 * 86_400).del(keys.results).exec();
    // A resumed eval goes on with the limit it learned; a new one has none saved.
    await this.limiter.load();
    await this.options.cancels.clear('eval', evalId);
    const reader = redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
    reader.on('error', () => {});
    const source = jobs[Symbol.asyncIterator]();
    const outstanding = new Map<string, Outstanding>();
    const retries: Array<Outstanding & { notBefore: number }> = [];
    let exhausted = false;
    let lastId = '0';
    // Jobs that vanished without a result (failed for good after stalling again and again): run again.
    const suspects = new Set<string>();
    let nextSweep = Date.now() + SWEEP_MS;
    const keyOf = (job: CaseJob) => `${job.case.id}#${job.repeat}`;
    // Jobs admitted in one pass go to Redis in one round trip.
    const batch: Array<{ name: string; data: CaseJobData; opts: { jobId: string; removeOnComplete: true; removeOnFail: true } }> = [];
    const enqueue = (job: CaseJob, attempt: number) => {
      const data: CaseJobData = {
        evalId,
        key: keyOf(job),
        case: job.case,
        repeat: job.repeat,
        position: this.options.positions.get(job.case.id) ?? 0,
        attempt,
        last: attempt > maxRetries,
      };
      outstanding.set(data.key, { job, attempt, epoch: this.limiter.epoch });
      batch.push({ name: CASE_QUEUE, data, opts: { jobId: caseJobId(evalId, job.case.id, job.repeat, attempt), removeOnComplete: true, removeOnFail: true } });
    };
    try {
      while (!signal.aborted) {
        // Admit jobs while the eval's limit allows: retries whose wait is over first, then new cases.
        while (outstanding.size < this.limiter.limit) {
          const ready = retries.findIndex((r) => r.notBefore <= Date.now());
          if (ready !== -1) {
            const [r] = retries.splice(ready, 1);
            enqueue(r.job, r.attempt);
            continue;
          }
          if (exhausted) break;
          const next = await source.next();
          if (next.done) {
            exhausted = true;
            break;
          }
          enqueue(next.value, 1);
        }
        // One job (the usual case: a result frees one slot) goes as one script call; BullMQ's addBulk
        // builds an ioredis pipeline, which copies every script BullMQ defines onto it (~25 µs each time).
        if (batch.length === 1) await queue.add(batch[0].name, batch[0].data, batch.splice(0)[0].opts);
        else if (batch.length) await queue.addBulk(batch.splice(0));
        if (exhausted && outstanding.size === 0 && retries.length === 0) break;
        if (Date.now() >= nextSweep) {
          nextSweep = Date.now() + SWEEP_MS;
          await this.keepSpec(specJson, spec);
          await this.sweep(outstanding, suspects, retries);
        }
        const reply = (await reader.xread('COUNT', 200, 'BLOCK', retries.length ? 100 : 1_000, 'STREAMS', keys.results, lastId)) as
          | [string, [string, string[]][]][]
          | null;
        const entries = reply?.[0][1] ?? [];
        const records: CaseRecord[] = [];
        for (const [entryId, fields] of entries) {
          lastId = entryId;
          const result = JSON.parse(fields[1]) as CaseJobResult;
          const pending = outstanding.get(result.key);
          // Not ours (a job of an earlier start of this eval) or already had: a record counts once.
          if (!pending) continue;
          outstanding.delete(result.key);
          if (result.outcome) this.limiter.observe(result.outcome, pending.epoch);
          if (result.rateLimited || !result.record) {
            retries.push({ ...pending, attempt: pending.attempt + 1, notBefore: Date.now() + rateLimitWaitMs(pending.attempt, backoffMs, result.retryAfterMs) });
            continue;
          }
          records.push(result.record);
        }
        // Written only when it moved (after a 429): a resume goes on from it.
        await this.limiter.save();
        for (const record of records) yield record as CaseRecord as R;
      }
    } finally {
      reader.disconnect();
      await source.return?.();
      if (signal.aborted) {
        // Cases still queued start cancelled; the ones running are aborted by the worker that holds them.
        await this.options.cancels.cancel('eval', evalId, signal.reason instanceof Error ? signal.reason.message : 'cancelled').catch(() => {});
      }
      await redis.del(keys.spec, keys.results).catch(() => {});
      // A cancelled or interrupted eval may be resumed: it keeps its limit and its pins until then (a week at most).
      if (!signal.aborted) await Promise.all([this.limiter.forget(), redis.del(keys.pins)]).catch(() => {});
    }
    if (signal.aborted) throw signal.reason ?? new Error('eval cancelled');
  }

  /**
   * What the eval's cases run with: pinned when it first starts, and the same again when it is resumed
   * (a re-index or a new config between a cancel and its resume does not change the eval half-way).
   */
  private async pinned(pin: () => Promise<WorkspacePins>): Promise<WorkspacePins> {
    const { redis, prefix, evalId } = this.options;
    const key = caseKeys(prefix, evalId).pins;
    const saved = await redis.get(key);
    if (saved) return JSON.parse(saved) as WorkspacePins;
    const pins = await pin();
    await redis.set(key, JSON.stringify(pins), 'EX', 7 * 86_400);
    return pins;
  }

  /**
   * A Redis that came back empty (no persistence, or its files lost) lost the eval's spec with its jobs:
   * the sweep queues the cases again, and a worker that has not built this eval's runner yet must find
   * the spec, or it drops them. Written again when it is gone (with the pins a resume reads).
   */
  private async keepSpec(specJson: string, spec: EvalCaseSpec): Promise<void> {
    const keys = caseKeys(this.options.prefix, this.options.evalId);
    if ((await this.options.redis.exists(keys.spec)) === 1) return;
    const tx = this.options.redis.multi().set(keys.spec, specJson, 'EX', 7 * 86_400, 'NX');
    if (spec.workspace) tx.set(keys.pins, JSON.stringify(spec.workspace), 'EX', 7 * 86_400, 'NX');
    await tx.exec();
  }

  /**
   * A worker publishes a case's result before its job completes, so a job
   * that is gone from the queue while its case is still outstanding, on two
   * sweeps in a row, was lost (it failed for good): it is queued again under
   * a new attempt. A case recorded meanwhile is not run twice (the worker
   * reads the store first) and counts once here.
   */
  private async sweep(outstanding: Map<string, Outstanding>, suspects: Set<string>, retries: Array<Outstanding & { notBefore: number }>): Promise<void> {
    const { queue, evalId } = this.options;
    for (const [key, pending] of outstanding) {
      const state = await queue.getJobState(caseJobId(evalId, pending.job.case.id, pending.job.repeat, pending.attempt));
      if (state !== 'unknown') {
        suspects.delete(key);
        continue;
      }
      if (!suspects.has(key)) {
        suspects.add(key);
        continue;
      }
      suspects.delete(key);
      outstanding.delete(key);
      retries.push({ ...pending, attempt: pending.attempt + 1, notBefore: 0 });
    }
  }
}

/** How often the coordinator looks for case jobs that vanished without a result. */
const SWEEP_MS = 5_000;
