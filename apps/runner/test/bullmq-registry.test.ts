import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullmqJobRegistry } from '../src/jobs/bullmq-registry';
import { jobKind, QueueUnavailableError, type JobRegistry } from '../src/jobs/job-registry';
import { freePort } from '../../../test/support/free-port';
import { startRedis, type TestRedis } from '../../../test/support/redis-server';

type Tick = { type: 'tick'; n: number; pid: string } | { type: 'end'; outcome: string };
const COUNTER = jobKind<{ upTo: number; waitForCancel?: boolean }, Tick>('run');

/** Publishes `upTo` ticks (or one, then waits to be cancelled) and the outcome it would record. */
function define(jobs: JobRegistry, who: string, outcomes: string[]) {
  jobs.define(COUNTER, async ({ upTo, waitForCancel }, job) => {
    for (let n = 1; n <= upTo; n++) job.publish({ type: 'tick', n, pid: who });
    if (waitForCancel) {
      await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve()));
      outcomes.push(`${job.id}: ${(job.signal.reason as Error).message}`);
      job.publish({ type: 'end', outcome: 'cancelled' });
      return;
    }
    outcomes.push(`${job.id}: done by ${who}`);
    job.publish({ type: 'end', outcome: 'done' });
  });
}

function follow(jobs: JobRegistry, id: string, fromSeq: number): Promise<[number, Tick][]> {
  return new Promise((resolve) => {
    const seen: [number, Tick][] = [];
    jobs.subscribe(COUNTER, id, fromSeq, (event, seq) => seen.push([seq, event]), () => resolve(seen));
  });
}

describe('BullmqJobRegistry (a real redis-server)', () => {
  let redis: TestRedis;
  let front: BullmqJobRegistry;
  let worker: BullmqJobRegistry;
  const outcomes: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    // A front door that only enqueues, and a worker that only works: the events must cross Redis.
    front = new BullmqJobRegistry({ url: redis.url, work: false });
    worker = new BullmqJobRegistry({ url: redis.url, work: true, concurrency: 4 });
    define(front, 'front', outcomes);
    define(worker, 'worker', outcomes);
    await Promise.all([front.ready(), worker.ready()]);
  });

  afterAll(async () => {
    await worker?.cancelAll({ waitMs: 2_000 });
    await Promise.all([front?.close(), worker?.close()]);
    await redis?.stop();
  });

  it('runs a job on the worker; the front door streams its events in order and replays from a sequence number', async () => {
    await front.start(COUNTER, 'job-a', { upTo: 50 });
    const all = await follow(front, 'job-a', 0);
    expect(all.map(([seq]) => seq)).toEqual([...Array(51).keys()]);
    expect(all.slice(0, 50).every(([, e]) => e.type === 'tick' && e.pid === 'worker')).toBe(true);
    expect(all[50][1]).toEqual({ type: 'end', outcome: 'done' });
    // Last-Event-ID: 47 resumes at 48, even once the job has ended (the stream outlives it for a while).
    const replay = await follow(front, 'job-a', 48);
    expect(replay.map(([seq]) => seq)).toEqual([48, 49, 50]);
    expect(outcomes).toContain('job-a: done by worker');
    expect(await front.isLive(COUNTER, 'job-a')).toBe(false);
  });

  it('carries cancel from the front door to the worker that holds the job', async () => {
    await front.start(COUNTER, 'job-b', { upTo: 1, waitForCancel: true });
    const events = follow(front, 'job-b', 0);
    // Each of these waits on the worker (and Redis) answering, which a loaded machine can put off past vitest's
    // default of 1 s: the waits only guard against a hang, the values are what is asserted.
    const crossing = { timeout: 15_000 };
    await expect.poll(() => front.isLive(COUNTER, 'job-b'), crossing).toBe(true);
    await expect.poll(() => worker.liveCount(COUNTER), crossing).toBe(1);
    // The job is live on the worker a moment before its first event is in the stream: wait for it.
    await expect.poll(async () => (await front.live(COUNTER, 'job-b'))?.events.length, crossing).toBe(1);
    const view = await front.live(COUNTER, 'job-b');
    expect(view).toMatchObject({ id: 'job-b', payload: { upTo: 1, waitForCancel: true }, events: [{ type: 'tick', n: 1 }] });
    expect(await front.cancel(COUNTER, 'job-b', { reason: 'stopped by the test' })).toBe(true);
    expect(outcomes).toContain('job-b: stopped by the test');
    expect((await events).at(-1)?.[1]).toEqual({ type: 'end', outcome: 'cancelled' });
    expect(await front.cancel(COUNTER, 'job-b')).toBe(false);
  });

  it('refuses to enqueue with QueueUnavailableError when Redis is not there', async () => {
    const port = await freePort();
    const orphan = new BullmqJobRegistry({ url: `redis://127.0.0.1:${port}`, work: false });
    define(orphan, 'orphan', []);
    await expect(orphan.ready(1_000)).rejects.toBeInstanceOf(QueueUnavailableError);
    await expect(orphan.start(COUNTER, 'job-c', { upTo: 1 })).rejects.toBeInstanceOf(QueueUnavailableError);
    await orphan.close();
  });
});
