import type { Redis } from 'ioredis';
import { AdaptiveConcurrency, type AdaptiveState, type LeaseOutcome } from '@patchbay/evals';

/** An eval's limit is kept a week at most after it stopped (a resume within that time continues it). */
const STATE_TTL_MS = 7 * 86_400_000;

/** The Redis key of one eval's shared 429 limit. */
export function limitKey(prefix: string, evalId: string): string {
  return `${prefix}:eval-limit:${evalId}`;
}

export interface SharedEvalLimitOptions {
  redis: Redis;
  prefix: string;
  evalId: string;
  /** The eval's concurrency: the cap over all workers, and where the limit starts. */
  max: number;
}

/**
 * The adaptive 429 limit of one scaled-out eval (AIMD, AdaptiveConcurrency).
 * Every case of the eval goes through the server that coordinates it, which
 * admits no more cases to the queue than the limit, over all workers, and
 * hears how each one went from the eval's results stream: a 429 on any
 * worker halves the limit for all of them (once per burst: only a case
 * admitted since the last cut cuts again), runs of successes grow it back.
 * So workers take no slot per case and Redis sees nothing per case; the
 * limit is written to Redis (`<prefix>:eval-limit:ID`) only when it moves,
 * so a resumed eval — on this server or another — goes on from what it
 * learned rather than from a full limit into the same storm.
 */
export class SharedEvalLimit {
  private readonly adaptive: AdaptiveConcurrency;
  private readonly key: string;
  private dirty = false;

  constructor(private readonly options: SharedEvalLimitOptions) {
    this.adaptive = new AdaptiveConcurrency(options.max);
    this.key = limitKey(options.prefix, options.evalId);
  }

  get limit(): number {
    return this.adaptive.limit;
  }

  get cuts(): number {
    return this.adaptive.cuts;
  }

  /** Tag an admitted case with this; hand it back with its outcome. */
  get epoch(): number {
    return this.adaptive.epoch;
  }

  /** Continues from the limit this eval learned before it stopped (a resume), if Redis still has it. */
  async load(): Promise<void> {
    const saved = await this.options.redis.hgetall(this.key);
    if (saved.limit === undefined) return;
    const state: AdaptiveState = { limit: Number(saved.limit), epoch: Number(saved.epoch), streak: Number(saved.streak), cuts: Number(saved.cuts) };
    if (Object.values(state).every(Number.isFinite)) this.adaptive.restore(state);
  }

  /** One finished case of `epoch` (the limit's epoch when it was admitted). */
  observe(outcome: LeaseOutcome, epoch: number): void {
    const before = this.adaptive.state;
    if (outcome === 'rate-limited') this.adaptive.onRateLimit(epoch);
    else if (outcome === 'success') this.adaptive.onSuccess();
    const after = this.adaptive.state;
    if (after.limit !== before.limit || after.streak !== before.streak || after.epoch !== before.epoch) this.dirty = true;
  }

  /** Writes the limit to Redis if it moved since the last save (one command; nothing while it stays full). */
  async save(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const { limit, epoch, streak, cuts } = this.adaptive.state;
    await this.options.redis.multi().hset(this.key, { limit, epoch, streak, cuts, max: this.options.max }).pexpire(this.key, STATE_TTL_MS).exec();
  }

  /** The eval ended (succeeded or failed): nothing will resume it. */
  forget(): Promise<unknown> {
    return this.options.redis.del(this.key);
  }
}
