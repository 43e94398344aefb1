import { AdaptiveConcurrency } from './adaptive-concurrency';

/** How a case that held a slot went: a 429 cuts the limit, a success grows it, anything else leaves it. */
export type LeaseOutcome = 'success' | 'rate-limited' | 'other';

/** One slot of an eval's limit, held while a case runs. */
export interface ConcurrencyLease {
  release(outcome: LeaseOutcome): Promise<void>;
}

/**
 * How many cases of one eval run at once: at most `limit` hold a lease, a 429
 * halves the limit and runs of successes grow it back (AIMD, see
 * AdaptiveConcurrency). In one process it is LocalLimiter; scaled out, the
 * server that coordinates an eval keeps one limit for all its workers (apps/runner's
 * SharedEvalLimit, saved in Redis), so four workers do not quadruple a rate-limit storm.
 */
export interface ConcurrencyLimiter {
  /** Waits for a free slot; rejects when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<ConcurrencyLease>;
  /** The limit as last seen. */
  readonly limit: number;
  /** Times the limit was cut (as last seen). */
  readonly cuts: number;
}

/** The limiter of an eval that runs in one process. */
export class LocalLimiter implements ConcurrencyLimiter {
  private readonly adaptive: AdaptiveConcurrency;
  private held = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(max: number) {
    this.adaptive = new AdaptiveConcurrency(max);
  }

  get limit(): number {
    return this.adaptive.limit;
  }

  get cuts(): number {
    return this.adaptive.cuts;
  }

  get max(): number {
    return this.adaptive.max;
  }

  /** A lease now when a slot is free, else null (the in-process queue's fast path: no promise per case). */
  tryAcquire(): ConcurrencyLease | null {
    if (this.held >= this.adaptive.limit) return null;
    this.held++;
    const epoch = this.adaptive.epoch;
    let released = false;
    return {
      release: async (outcome) => {
        if (released) return;
        released = true;
        this.held--;
        if (outcome === 'rate-limited') this.adaptive.onRateLimit(epoch);
        else if (outcome === 'success') this.adaptive.onSuccess();
        for (let free = this.adaptive.limit - this.held; free > 0 && this.waiters.length; free--) this.waiters.shift()!();
      },
    };
  }

  async acquire(signal?: AbortSignal): Promise<ConcurrencyLease> {
    for (;;) {
      signal?.throwIfAborted();
      const lease = this.tryAcquire();
      if (lease) return lease;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener('abort', wake);
          const i = this.waiters.indexOf(wake);
          if (i !== -1) this.waiters.splice(i, 1);
          resolve();
        };
        this.waiters.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }
}
