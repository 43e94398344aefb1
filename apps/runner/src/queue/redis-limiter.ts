import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ConcurrencyLease, ConcurrencyLimiter, LeaseOutcome } from '@patchbay/evals';

/** An eval's limiter state lives a week at most (the coordinator deletes it when the eval ends). */
const STATE_TTL_MS = 7 * 86_400_000;
/** How often a worker denied a slot asks again (a release in this process asks at once). */
const POLL_MS = 25;

// Times come from Redis (TIME), so machines with skewed clocks agree on when a lease expires.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: state hash, leases zset. ARGV: lease id, max, lease ms. → {granted 0|1, limit, epoch, cuts}. */
const ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local s = redis.call('HMGET', KEYS[1], 'limit', 'epoch', 'cuts')
local limit, epoch, cuts = tonumber(s[1]), tonumber(s[2]) or 0, tonumber(s[3]) or 0
if not limit then
  limit = tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'limit', limit, 'max', limit, 'epoch', 0, 'streak', 0, 'cuts', 0)
  redis.call('PEXPIRE', KEYS[1], ${STATE_TTL_MS})
end
if redis.call('ZCARD', KEYS[2]) >= limit then return {0, limit, epoch, cuts} end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[2], ${STATE_TTL_MS})
return {1, limit, epoch, cuts}`;

/** KEYS: state hash, leases zset. ARGV: lease id, outcome, the epoch it was granted in. → {limit, epoch, cuts} (limit 0: the eval's state is gone). */
const RELEASE = `redis.call('ZREM', KEYS[2], ARGV[1])
local s = redis.call('HMGET', KEYS[1], 'limit', 'max', 'epoch', 'streak', 'cuts')
if not s[1] then return {0, 0, 0} end
local limit, max, epoch, streak, cuts = tonumber(s[1]), tonumber(s[2]), tonumber(s[3]), tonumber(s[4]), tonumber(s[5])
if ARGV[2] == 'rate-limited' then
  streak = 0
  if tonumber(ARGV[3]) == epoch then
    limit = math.max(1, math.floor(limit / 2))
    epoch = epoch + 1
    cuts = cuts + 1
  end
elseif ARGV[2] == 'success' and limit < max then
  streak = streak + 1
  if streak >= limit then
    limit = limit + 1
    streak = 0
  end
end
redis.call('HSET', KEYS[1], 'limit', limit, 'epoch', epoch, 'streak', streak, 'cuts', cuts)
return {limit, epoch, cuts}`;

/** KEYS: leases zset. ARGV: lease ms, lease ids. Extends the leases that still exist. */
const RENEW = `${NOW}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
return 0`;

type LimiterRedis = Redis & {
  patchbayLimiterAcquire(state: string, leases: string, id: string, max: number, leaseMs: number): Promise<[number, number, number, number]>;
  patchbayLimiterRelease(state: string, leases: string, id: string, outcome: LeaseOutcome, epoch: number): Promise<[number, number, number]>;
  patchbayLimiterRenew(leases: string, leaseMs: number, ...ids: string[]): Promise<number>;
};

function withScripts(redis: Redis): LimiterRedis {
  const r = redis as LimiterRedis;
  if (typeof r.patchbayLimiterAcquire !== 'function') {
    redis.defineCommand('patchbayLimiterAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    redis.defineCommand('patchbayLimiterRelease', { numberOfKeys: 2, lua: RELEASE });
    redis.defineCommand('patchbayLimiterRenew', { numberOfKeys: 1, lua: RENEW });
  }
  return r;
}

/** The Redis keys of one eval's shared limiter. */
export function limiterKeys(prefix: string, evalId: string) {
  return { state: `${prefix}:eval-limit:${evalId}`, leases: `${prefix}:eval-leases:${evalId}` };
}

export interface RedisLimiterOptions {
  redis: Redis;
  prefix: string;
  evalId: string;
  /** The eval's concurrency: the cap over all workers, and where the limit starts. */
  max: number;
  /** A lease not renewed for this long is free again (its worker died): the BullMQ lock duration. */
  leaseMs: number;
}

/**
 * The adaptive 429 limiter of one eval, shared by every process in Redis:
 * a slot is a lease in a sorted set (scored by expiry, renewed while its case
 * runs, so a kill -9'd worker's slots come back), the limit, its epoch and the
 * success streak are a hash, and one Lua script per step keeps acquire and
 * release atomic. A 429 on any worker halves the limit for all; runs of
 * successes grow it back, as AdaptiveConcurrency does in one process.
 */
export class RedisLimiter implements ConcurrencyLimiter {
  limit: number;
  cuts = 0;
  private readonly redis: LimiterRedis;
  private readonly keys: ReturnType<typeof limiterKeys>;
  private readonly held = new Set<string>();
  private readonly wakers = new Set<() => void>();
  private heartbeat?: NodeJS.Timeout;

  constructor(private readonly options: RedisLimiterOptions) {
    this.redis = withScripts(options.redis);
    this.keys = limiterKeys(options.prefix, options.evalId);
    this.limit = options.max;
  }

  async acquire(signal?: AbortSignal): Promise<ConcurrencyLease> {
    const { max, leaseMs } = this.options;
    const id = randomUUID();
    for (;;) {
      signal?.throwIfAborted();
      const [granted, limit, epoch, cuts] = await this.redis.patchbayLimiterAcquire(this.keys.state, this.keys.leases, id, max, leaseMs);
      this.seen(limit, cuts);
      if (granted === 1) {
        this.held.add(id);
        this.beat();
        return { release: (outcome) => this.release(id, outcome, epoch) };
      }
      await this.pause(signal);
    }
  }

  /** Reads the shared limit (the coordinator admits no more cases than it). */
  async refresh(): Promise<number> {
    const [limit, cuts] = await this.redis.hmget(this.keys.state, 'limit', 'cuts');
    if (limit !== null) this.seen(Number(limit), Number(cuts));
    return this.limit;
  }

  /** Starts the eval afresh (a resumed eval too): the limit back at its max, no leases. */
  reset(): Promise<unknown> {
    return this.redis.del(this.keys.state, this.keys.leases);
  }

  /** Stops renewing (this process holds nothing of the eval any more). */
  close(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.held.clear();
    for (const wake of this.wakers) wake();
  }

  private async release(id: string, outcome: LeaseOutcome, epoch: number): Promise<void> {
    if (!this.held.delete(id)) return;
    if (this.held.size === 0) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
    try {
      const [limit, , cuts] = await this.redis.patchbayLimiterRelease(this.keys.state, this.keys.leases, id, outcome, epoch);
      if (limit > 0) this.seen(limit, cuts);
    } catch {
      // Redis is away: the lease expires by itself (leaseMs), and the outcome is not counted.
    } finally {
      // A slot freed here: a case of this process waiting for one asks at once.
      for (const wake of this.wakers) wake();
    }
  }

  private seen(limit: number, cuts: number) {
    this.limit = limit;
    this.cuts = cuts;
  }

  /** Renews this process's leases of the eval while it holds any: three times per lease time. */
  private beat() {
    if (this.heartbeat) return;
    const { leaseMs } = this.options;
    this.heartbeat = setInterval(() => {
      if (this.held.size) void this.redis.patchbayLimiterRenew(this.keys.leases, leaseMs, ...this.held).catch(() => {});
    }, Math.max(50, Math.floor(leaseMs / 3)));
    this.heartbeat.unref();
  }

  private pause(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, POLL_MS);
      this.wakers.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
