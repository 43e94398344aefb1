import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { BullmqJobRegistry } from '../src/jobs/bullmq-registry';
import { jobKind, type JobRegistry } from '../src/jobs/job-registry';
import { startRedis, type TestRedis } from '../../../test/support/redis-server';

type Tick = { type: 'tick'; who: string; n: number };
/** A kind each server runs itself and mirrors to Redis (as evals and promotions), not a queued one. */
const COORDINATED = jobKind<Record<string, never>, Tick>('coordinated');

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

// Scaled out, a server taken for dead (its heartbeat lapsed while it lived) may find, when its job ends, that another
// server took the job over (eval-manager: its finish as owner wrote nothing) and reset the job's shared stream. Told so
// (job.lost()), it must leave the new coordinator's stream, heartbeat and `coordinated` keys alone.
describe('BullmqJobRegistry: a mirrored job lost to another server (a real redis-server)', () => {
  let redis: TestRedis;
  let stale: BullmqJobRegistry;
  let taker: BullmqJobRegistry;
  let probe: Redis;
  const staleGate = gate();
  const takerGate = gate();

  beforeAll(async () => {
    redis = await startRedis();
    stale = new BullmqJobRegistry({ url: redis.url, work: false });
    taker = new BullmqJobRegistry({ url: redis.url, work: false });
    stale.define(COORDINATED, async (_payload, job) => {
      for (let n = 0; n < 3; n++) job.publish({ type: 'tick', who: 'stale', n });
      await staleGate.opened;
      job.lost?.();
    });
    taker.define(COORDINATED, async (_payload, job) => {
      job.publish({ type: 'tick', who: 'taker', n: 0 });
      await takerGate.opened;
    });
    await Promise.all([stale.ready(), taker.ready()]);
    probe = new Redis(redis.url);
  });

  afterAll(async () => {
    takerGate.open();
    staleGate.open();
    probe?.disconnect();
    await Promise.all([stale?.close(), taker?.close()]);
    await redis?.stop();
  });

  const ended = (jobs: JobRegistry, id: string) => new Promise<void>((resolve) => (jobs.subscribe(COORDINATED, id, 0, () => {}, resolve) ? undefined : resolve()));

  it("leaves the new coordinator's stream, heartbeat and coordinated keys as they are", async () => {
    const stream = 'patchbay:events:coordinated:j';
    await stale.start(COORDINATED, 'j', {});
    const crossing = { timeout: 15_000 };
    await expect.poll(() => probe.xlen(stream), crossing).toBe(3);
    // The other server takes it over: its start resets the stream and sets both keys again.
    await taker.start(COORDINATED, 'j', {});
    await expect.poll(async () => (await probe.xrange(stream, '-', '+')).map(([, f]) => JSON.parse(f[1]).who), crossing).toEqual(['taker']);
    const staleEnded = ended(stale, 'j');
    staleGate.open();
    await staleEnded;
    expect(await probe.exists('patchbay:live:coordinated:j')).toBe(1);
    expect(await probe.exists('patchbay:coordinated:coordinated:j')).toBe(1);
    const entries = await probe.xrange(stream, '-', '+');
    expect(entries.map(([, fields]) => fields[0])).toEqual(['e']);
    // Once the new coordinator ends, the stream ends and the keys go, as for any job.
    const takerEnded = ended(taker, 'j');
    takerGate.open();
    await takerEnded;
    expect(await probe.exists('patchbay:live:coordinated:j', 'patchbay:coordinated:coordinated:j')).toBe(0);
    expect((await probe.xrange(stream, '-', '+')).map(([, fields]) => fields[0])).toEqual(['e', 'end']);
  });
});
