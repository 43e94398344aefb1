import { setMaxListeners } from 'node:events';
import { LocalLimiter, type ConcurrencyLease, type ConcurrencyLimiter } from './concurrency-limiter';
import type { EvalCase } from './dataset';
import { rateLimitWaitMs } from './rate-limit-wait';

/** Longest stretch the queue starts cases without letting the event loop turn. */
const YIELD_EVERY_MS = 10;

/** One case × repeat to run: plain data, so that a queue may carry it to another process. */
export interface CaseJob {
  case: EvalCase;
  /** 1-based. */
  repeat: number;
}

export interface CaseAttempt {
  /** 1-based; > 1 after rate limits. */
  attempt: number;
  /** The queue will not retry this attempt: record whatever happened. */
  last: boolean;
}

/** What a worker did with a job: a record, or "rate limited, run me again later" (the record is the give-up result). */
export interface CaseOutcome<R> {
  record: R;
  rateLimited?: boolean;
  /** The wait the provider asked for (Retry-After), in ms: the retry comes after it instead of the backoff. */
  retryAfterMs?: number;
}

export type CaseWorker<R> = (job: CaseJob, signal: AbortSignal, attempt: CaseAttempt) => Promise<CaseOutcome<R>>;

/**
 * Where the eval runner hands its cases (DESIGN.md, "Past one machine"). The
 * default runs them in this process; a BullMQ queue can take its place: its
 * `process` adds each job to a Redis queue, workers on other machines build
 * the same worker from the eval's stored spec (pipeline version, suite) and
 * run it, and `process` yields their records as they complete. The runner only
 * sees jobs in and records out.
 */
export interface CaseQueue {
  /** The eval's limit as last seen (progress shows it). */
  readonly limiter?: Pick<ConcurrencyLimiter, 'limit'>;
  /**
   * True when whoever runs a job also records its case in the eval's store (workers of a
   * scaled-out eval do, keyed by eval, case and repeat): the runner then does not append the
   * records it yields to its log a second time.
   */
  readonly recordsCases?: boolean;
  /** Runs every job through the worker; yields records as they finish, in any order. Jobs are pulled only when a slot is free. */
  process<R>(jobs: AsyncIterable<CaseJob>, worker: CaseWorker<R>, options?: { signal?: AbortSignal }): AsyncIterable<R>;
}

export interface InProcessQueueOptions {
  /** Most cases at once (default 8); a 429 halves it for a while. */
  concurrency?: number;
  /** A rate-limited case is retried this many times before it is recorded as failed (default 20). */
  maxRateLimitRetries?: number;
  /** First wait before a rate-limited case runs again; doubles per retry up to 10 s (default 250 ms). A provider's Retry-After takes its place (rate-limit-wait.ts). */
  backoffMs?: number;
  /** Told whenever the limit changes (progress display). */
  onLimit?: (limit: number) => void;
}

export class InProcessQueue implements CaseQueue {
  readonly limiter: LocalLimiter;
  private readonly maxRetries: number;
  private readonly backoffMs: number;

  constructor(private readonly options: InProcessQueueOptions = {}) {
    this.limiter = new LocalLimiter(options.concurrency ?? 8);
    this.maxRetries = options.maxRateLimitRetries ?? 20;
    this.backoffMs = options.backoffMs ?? 250;
  }

  async *process<R>(jobs: AsyncIterable<CaseJob>, worker: CaseWorker<R>, options: { signal?: AbortSignal } = {}): AsyncIterable<R> {
    const signal = options.signal ?? new AbortController().signal;
    // Every running case listens to this one signal (with its nodes): more than Node's default 10.
    setMaxListeners(0, signal);
    const source = jobs[Symbol.asyncIterator]();
    const waiting: Array<{ job: CaseJob; attempt: number; notBefore: number }> = [];
    const finished: R[] = [];
    let running = 0;
    let pumping = false;
    let exhausted = false;
    let failure: unknown;
    let wake: (() => void) | null = null;
    const notify = () => { wake?.(); wake = null; };
    let lastYield = performance.now();

    // Starts cases while slots are free: retries whose wait is over first, then new jobs.
    // It runs whenever a case ends, not when the consumer asks, so a slow consumer
    // (a file append) never leaves a slot idle.
    const pump = async () => {
      if (pumping) return;
      pumping = true;
      try {
        while (!signal.aborted && failure === undefined) {
          const now = Date.now();
          const ready = waiting.findIndex((w) => w.notBefore <= now);
          if (ready === -1 && exhausted) break;
          // A slot of the eval's limit, held until the case ends (synchronous: no promise per case).
          const lease = this.limiter.tryAcquire();
          if (!lease) break;
          if (ready !== -1) {
            const [w] = waiting.splice(ready, 1);
            start(w.job, w.attempt, lease);
            continue;
          }
          const next = await source.next();
          if (next.done) {
            exhausted = true;
            void lease.release('other');
            break;
          }
          start(next.value, 1, lease);
        }
      } catch (err) {
        failure ??= err;
      } finally {
        pumping = false;
        notify();
      }
    };

    const start = (job: CaseJob, attempt: number, lease: ConcurrencyLease) => {
      running++;
      const last = attempt > this.maxRetries;
      // A pipeline that never waits on I/O (code nodes, offline models) would otherwise run every
      // case in one stretch of microtasks: Ctrl-C, HTTP requests and timers would wait for the end.
      // So a case starts after a turn of the event loop once the queue has held it for a time slice;
      // yielding before every case would add a loop turn to each case's latency.
      const now = performance.now();
      const turn = now - lastYield >= YIELD_EVERY_MS;
      if (turn) lastYield = now;
      (turn ? new Promise<void>((resolve) => setImmediate(resolve)) : Promise.resolve())
        .then(() => {
          if (signal.aborted) throw signal.reason ?? new Error('eval cancelled');
          return worker(job, signal, { attempt, last });
        })
        .then((outcome) => {
          const before = this.limiter.limit;
          if (outcome.rateLimited && !last && !signal.aborted) {
            void lease.release('rate-limited');
            const delay = rateLimitWaitMs(attempt, this.backoffMs, outcome.retryAfterMs);
            waiting.push({ job, attempt: attempt + 1, notBefore: Date.now() + delay });
            setTimeout(() => void pump(), delay + 1);
          } else {
            void lease.release(outcome.rateLimited ? 'other' : 'success');
            finished.push(outcome.record);
          }
          if (this.limiter.limit !== before) this.options.onLimit?.(this.limiter.limit);
        })
        .catch((err) => { failure ??= err; })
        .finally(() => {
          void lease.release('other'); // no-op when released above
          running--;
          void pump();
          notify();
        });
    };

    void pump();
    while (true) {
      if (finished.length) {
        yield finished.shift() as R;
        continue;
      }
      const idle = running === 0 && !pumping;
      if (failure !== undefined && idle) break;
      if (signal.aborted && idle) break;
      if (exhausted && idle && waiting.length === 0) break;
      // Nothing awaits between the checks above and setting `wake`, so no wake-up is missed.
      await new Promise<void>((resolve) => { wake = resolve; });
    }
    await source.return?.();
    if (failure !== undefined) throw failure;
    if (signal.aborted) throw signal.reason ?? new Error('eval cancelled');
  }
}
