import { describe, expect, it } from 'vitest';
import { InProcessJobRegistry } from '../src/jobs/in-process-registry';
import { jobKind, JobsClosedError } from '../src/jobs/job-registry';

type Tick = { type: 'tick'; n: number } | { type: 'end' };
const COUNTER = jobKind<{ upTo: number }, Tick>('counter');

/** A job that publishes a tick, then waits for `release` (or its abort) before the rest. */
function registryWithCounter() {
  const jobs = new InProcessJobRegistry();
  const recorded: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  jobs.define(COUNTER, async ({ upTo }, job) => {
    job.publish({ type: 'tick', n: 1 });
    await Promise.race([gate, new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason)))]).then(
      () => {
        for (let n = 2; n <= upTo; n++) job.publish({ type: 'tick', n });
        recorded.push(`${job.id}: done`);
      },
      (err: Error) => recorded.push(`${job.id}: ${err.message}`),
    );
    job.publish({ type: 'end' });
  });
  return { jobs, recorded, release };
}

describe('InProcessJobRegistry', () => {
  it('replays events from a sequence number, then streams the live ones, then ends', async () => {
    const { jobs, release } = registryWithCounter();
    jobs.start(COUNTER, 'a', { upTo: 3 });
    expect(jobs.isLive(COUNTER, 'a')).toBe(true);
    expect(jobs.live(COUNTER, 'a')).toMatchObject({ id: 'a', payload: { upTo: 3 }, events: [{ type: 'tick', n: 1 }] });
    const seen: [number, Tick][] = [];
    const ended = new Promise<void>((resolve) => jobs.subscribe(COUNTER, 'a', 0, (event, seq) => seen.push([seq, event]), resolve));
    const late: number[] = [];
    jobs.subscribe(COUNTER, 'a', 2, (_event, seq) => late.push(seq), () => {});
    release();
    await ended;
    expect(seen).toEqual([[0, { type: 'tick', n: 1 }], [1, { type: 'tick', n: 2 }], [2, { type: 'tick', n: 3 }], [3, { type: 'end' }]]);
    expect(late).toEqual([2, 3]);
    expect(jobs.isLive(COUNTER, 'a')).toBe(false);
    expect(jobs.subscribe(COUNTER, 'a', 0, () => {}, () => {})).toBeUndefined();
  });

  it('cancels one job and waits for its outcome; cancel of an unknown job is false', async () => {
    const { jobs, recorded } = registryWithCounter();
    jobs.start(COUNTER, 'b', { upTo: 5 });
    expect(await jobs.cancel(COUNTER, 'b')).toBe(true);
    expect(recorded).toEqual(['b: cancelled']);
    expect(await jobs.cancel(COUNTER, 'b')).toBe(false);
  });

  it('cancels every job on shutdown and refuses new ones', async () => {
    const { jobs, recorded } = registryWithCounter();
    jobs.start(COUNTER, 'c', { upTo: 2 });
    jobs.start(COUNTER, 'd', { upTo: 2 });
    expect(jobs.liveCount(COUNTER)).toBe(2);
    await jobs.cancelAll();
    expect(recorded.sort()).toEqual(['c: the runner is shutting down', 'd: the runner is shutting down']);
    expect(jobs.liveCount()).toBe(0);
    expect(() => jobs.start(COUNTER, 'e', { upTo: 1 })).toThrow(JobsClosedError);
  });

  it('logs a processor that fails instead of leaving a rejection nobody awaits', async () => {
    const lines: string[] = [];
    const jobs = new InProcessJobRegistry((line) => lines.push(line));
    const BROKEN = jobKind<null, never>('broken');
    jobs.define(BROKEN, async () => {
      throw new Error('store is gone');
    });
    jobs.start(BROKEN, 'x', null);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lines).toEqual(['broken x: store is gone']);
    expect(jobs.isLive(BROKEN, 'x')).toBe(false);
  });
});
