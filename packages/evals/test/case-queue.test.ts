import { describe, expect, it } from 'vitest';
import { AdaptiveConcurrency } from '../src/adaptive-concurrency';
import { InProcessQueue, type CaseJob } from '../src/case-queue';

async function* jobsOf(n: number): AsyncGenerator<CaseJob> {
  for (let i = 0; i < n; i++) yield { case: { id: `c${i}`, input: {} }, repeat: 1 };
}
const tick = () => new Promise((r) => setTimeout(r, 1));

describe('adaptive concurrency', () => {
  it('halves on a rate limit, once per burst, and grows back by one per `limit` successes', () => {
    const c = new AdaptiveConcurrency(8);
    const epoch = c.epoch;
    c.onRateLimit(epoch);
    c.onRateLimit(epoch); // same burst: started before the cut
    expect(c.limit).toBe(4);
    c.onRateLimit(c.epoch);
    expect(c.limit).toBe(2);
    c.onSuccess();
    expect(c.limit).toBe(2);
    c.onSuccess();
    expect(c.limit).toBe(3);
    for (let i = 0; i < 3 + 4 + 5 + 6 + 7; i++) c.onSuccess();
    expect(c.limit).toBe(8);
    c.onRateLimit(c.epoch); c.onRateLimit(c.epoch); c.onRateLimit(c.epoch); c.onRateLimit(c.epoch);
    expect(c.limit).toBe(1);
  });
});

describe('the in-process queue', () => {
  it('keeps at most `concurrency` cases in flight and pulls jobs lazily', async () => {
    let inFlight = 0, maxInFlight = 0, pulled = 0;
    async function* counted() { for await (const j of jobsOf(50)) { pulled++; yield j; } }
    const queue = new InProcessQueue({ concurrency: 4 });
    const out: string[] = [];
    for await (const id of queue.process(counted(), async (job) => {
      inFlight++; maxInFlight = Math.max(maxInFlight, inFlight);
      await tick();
      inFlight--;
      return { record: job.case.id };
    })) {
      out.push(id);
      expect(pulled - out.length).toBeLessThanOrEqual(4 + 1);
    }
    expect(maxInFlight).toBe(4);
    expect(out.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `c${i}`).sort());
  });

  it('runs a rate-limited case again later with fewer cases at once; none lost or doubled', async () => {
    const attempts = new Map<string, number>();
    let inFlight = 0;
    const inFlightAfterCut: number[] = [];
    const queue = new InProcessQueue({ concurrency: 8, backoffMs: 2 });
    const out: string[] = [];
    for await (const id of queue.process(jobsOf(40), async (job) => {
      inFlight++;
      if (queue.limiter.cuts > 0) inFlightAfterCut.push(inFlight);
      await tick();
      inFlight--;
      const n = (attempts.get(job.case.id) ?? 0) + 1;
      attempts.set(job.case.id, n);
      // Every case is refused on its first attempt among c8..c23.
      const limited = n === 1 && /^c(8|9|1\d|2[0-3])$/.test(job.case.id);
      return { record: job.case.id, rateLimited: limited };
    })) out.push(id);
    expect(out.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `c${i}`).sort());
    expect(attempts.get('c10')).toBe(2);
    expect(attempts.get('c30')).toBe(1);
    expect(queue.limiter.cuts).toBeGreaterThanOrEqual(1);
    expect(Math.min(...inFlightAfterCut)).toBeLessThanOrEqual(4);
  });

  it('records the last attempt when the rate limit never ends', async () => {
    const queue = new InProcessQueue({ concurrency: 2, backoffMs: 1, maxRateLimitRetries: 3 });
    const seen: number[] = [];
    const out = [];
    for await (const r of queue.process(jobsOf(1), async (_job, _signal, attempt) => {
      seen.push(attempt.attempt);
      return { record: attempt.last ? 'gave up' : 'retry', rateLimited: true };
    })) out.push(r);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(out).toEqual(['gave up']);
  });

  it('stops on abort: what finished is handed over, then the abort is thrown', async () => {
    const stop = new AbortController();
    const queue = new InProcessQueue({ concurrency: 2 });
    const out: string[] = [];
    await expect((async () => {
      for await (const id of queue.process(jobsOf(100), async (job, signal) => {
        await tick();
        if (signal.aborted) throw new Error('cancelled');
        return { record: job.case.id };
      }, { signal: stop.signal })) {
        out.push(id);
        if (out.length === 5) stop.abort();
      }
    })()).rejects.toThrow();
    expect(out.length).toBeGreaterThanOrEqual(5);
    expect(out.length).toBeLessThan(100);
  });

  it('lets the event loop in between cases that never wait on I/O, so Ctrl-C or an HTTP request is not starved', async () => {
    const stop = new AbortController();
    // Stands for a signal handler or a request: it can only run once the queue yields to the event loop.
    setImmediate(() => stop.abort());
    let ran = 0;
    const queue = new InProcessQueue({ concurrency: 2 });
    await expect((async () => {
      // Enough cases that running them all takes far longer than the queue's 10 ms time slice.
      for await (const _ of queue.process(jobsOf(50_000), async (job) => { ran++; return { record: job.case.id }; }, { signal: stop.signal })) { /* drain */ }
    })()).rejects.toThrow();
    expect(ran).toBeLessThan(50_000);
  });
});
