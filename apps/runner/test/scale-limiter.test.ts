import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub, type StubReply } from '../../../test/support/openai-stub';
import { allSseEvents, echoPipeline } from './support/test-runner';
import { baseEnv, spawnPatchbay, type PatchbayProcess } from './support/patchbay-process';
import { scaleServices } from './support/scale-services';

const KEYS = { a: 'sk-limit-a-5e1f', b: 'sk-limit-b-93c2' };

/** One chat request as the stub saw it: who sent it, and how many were in flight (it included) when it arrived. */
interface Arrival {
  key: string;
  inFlight: number;
  /** In flight from the same worker (its key). */
  ownInFlight: number;
  limited: boolean;
  /** When it arrived (Date.now()). */
  at: number;
}

describe("an eval's 429 limiter is one for all its workers, kept in Redis (2 worker processes of 8 each)", () => {
  const services = scaleServices();
  let stub: OpenAIStub;
  let dir: string;
  let server: PatchbayProcess & { url: string };
  const workers: Record<'a' | 'b', PatchbayProcess | undefined> = { a: undefined, b: undefined };
  let inFlight = 0;
  const inFlightBy = new Map<string, number>();
  let arrivals: Arrival[] = [];
  let latencyMs = 40;
  /** Arrivals (of this eval) that get a 429 instead of an answer. */
  let limitedArrivals: (n: number) => boolean = () => false;
  /** The headers a 429 goes with (default: retry-after-ms 1). */
  let limitedHeaders: Record<string, string> | undefined;
  /**
   * While set, each request waits before it is answered until `inFlight()` reaches `reach` (for 10 s at most), then
   * the gathering ends for all of them. Requests a correct limiter lets run together are then seen together however
   * slowly a loaded machine starts them (a 40 ms answer leaves little time); with too few let through it ends at 10 s,
   * short of `reach`, and what the test asserts of the arrivals fails.
   */
  let gathering: { inFlight: () => number; reach: number } | undefined;
  let redisClient: Redis;
  /** The eval's shared limit as saved in Redis (null while it never moved, and once the eval ended). */
  const redisLimit = (id: string) => redisClient.hget(`patchbay:eval-limit:${id}`, 'limit');
  const api = (p: string, init?: RequestInit) => fetch(`${server.url}${p}`, init);
  const post = (p: string, body: unknown) => api(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function runEval(name: string, cases: number, concurrency: number, during?: (id: string) => Promise<void>) {
    const rows = Array.from({ length: cases }, (_, i) => ({ id: `c${i}`, input: { question: `${name} ${i}` }, expected: `${name} ${i}` }));
    expect((await post('/api/datasets', { name, cases: rows })).status).toBe(201);
    arrivals = [];
    const started = await post('/api/evals', { pipeline: 'qa', dataset: name, suite: { scorers: [{ name: 'echo', type: 'contains' }], concurrency } });
    expect(started.status).toBe(201);
    const { id } = await started.json();
    await during?.(id);
    const events = await allSseEvents(await api(`/api/evals/${id}/events`));
    expect(events.at(-1)!.event).toBe('eval.completed');
    const result = await (await api(`/api/evals/${id}`)).json();
    expect(result.status).toBe('succeeded');
    const ids = result.cases.map((c: { id: string }) => c.id);
    expect(ids.length).toBe(cases);
    expect(new Set(ids).size).toBe(cases);
    expect(result.cases.every((c: { status: string }) => c.status === 'passed')).toBe(true);
    return result;
  }

  beforeAll(async () => {
    redisClient = new Redis(services.redis.url);
    stub = await startOpenAIStub({
      handler: async (req): Promise<StubReply> => {
        const key = String(req.headers.authorization);
        inFlight++;
        inFlightBy.set(key, (inFlightBy.get(key) ?? 0) + 1);
        const limited = limitedArrivals(arrivals.length + 1);
        arrivals.push({ key, inFlight, ownInFlight: inFlightBy.get(key)!, limited, at: Date.now() });
        const gather = gathering;
        if (gather) {
          const until = Date.now() + 10_000;
          while (gathering === gather && gather.inFlight() < gather.reach && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
          if (gathering === gather) gathering = undefined;
        }
        await new Promise((r) => setTimeout(r, latencyMs));
        inFlight--;
        inFlightBy.set(key, inFlightBy.get(key)! - 1);
        // retry-after-ms 1 (unless a test says otherwise): the SDK's own retries come at once, so the storm reaches the eval.
        return limited ? { status: 429, headers: limitedHeaders ?? { 'retry-after-ms': '1' } } : { text: req.body?.messages?.at(-1)?.content };
      },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-limiter-'));
    const env = (key: string) => ({ ...baseEnv(), STUB_BASE_URL: stub.url, STUB_API_KEY: key });
    const serving = await spawnPatchbay(['serve', '--port', '0', '--data', dir, '--store', services.store, '--queue', services.redis.url, '--no-work'], { ...env('sk-front'), PATCHBAY_DEMO: '0' }, /Patchbay listening on (http:\/\/\S+)/);
    server = { ...serving, url: serving.match[1] };
    const workerArgs = ['worker', '--store', services.store, '--queue', services.redis.url, '--concurrency', '8', '--stalled-ms', '1500'];
    [workers.a, workers.b] = await Promise.all([spawnPatchbay(workerArgs, env(KEYS.a), /taking jobs/), spawnPatchbay(workerArgs, env(KEYS.b), /taking jobs/)]);
    expect((await post('/api/pipelines', echoPipeline('qa', 'stub:model'))).status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    redisClient?.disconnect();
    for (const w of Object.values(workers)) w?.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    await stub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('never has more of the eval in flight at the provider than its concurrency, over both workers', async () => {
    await runEval('capped', 60, 6);
    expect(Math.max(...arrivals.map((a) => a.inFlight))).toBeLessThanOrEqual(6);
    expect(arrivals.some((a) => a.key === `Bearer ${KEYS.a}`)).toBe(true);
    expect(arrivals.some((a) => a.key === `Bearer ${KEYS.b}`)).toBe(true);
  });

  it('halves the combined in-flight count during a 429 storm on both workers, and loses no case', async () => {
    // Requests 41..80 of the eval are refused: a storm that both workers run into.
    limitedArrivals = (n) => n > 40 && n <= 80;
    // The eval's first 8 cases are admitted at once; its first requests are held until 6 are at the provider together.
    gathering = { inFlight: () => inFlight, reach: 6 };
    try {
      await runEval('storm', 120, 8);
    } finally {
      limitedArrivals = () => false;
      gathering = undefined;
    }
    const before = arrivals.slice(0, 40);
    const storm = arrivals.filter((a) => a.limited);
    expect(storm.length).toBe(40);
    expect(Math.max(...arrivals.map((a) => a.inFlight))).toBeLessThanOrEqual(8);
    // Before the storm both workers together ran the eval at its full concurrency of 8.
    expect(Math.max(...before.map((a) => a.inFlight))).toBeGreaterThanOrEqual(6);
    expect(new Set(storm.map((a) => a.key)).size).toBe(2);
    // The cases admitted before the first cut are at most 8, and each is refused 3 times (the call and the
    // SDK's 2 retries) before it counts as rate-limited; nothing else is admitted until 5 of them have, so by
    // the storm's 25th request the cut holds for both workers: at most 4 in flight. Nothing succeeds during the
    // storm, so the limit cannot grow back before its end (growth after it is AIMD's and is not asserted here).
    const stormTail = arrivals.slice(65, 80);
    expect(stormTail.every((a) => a.limited)).toBe(true);
    expect(Math.max(...stormTail.map((a) => a.inFlight))).toBeLessThanOrEqual(4);
  });

  it('goes on with the limit it learned when a cancelled eval is resumed, not from its full concurrency', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({ id: `c${i}`, input: { question: `resume ${i}` }, expected: `resume ${i}` }));
    expect((await post('/api/datasets', { name: 'resume', cases: rows })).status).toBe(201);
    arrivals = [];
    // From the 11th request on, every one is refused until the eval is cancelled: the shared limit goes down to 1.
    limitedArrivals = (n) => n > 10;
    // Slow answers: cases admitted together are in flight together.
    latencyMs = 300;
    let id: string;
    let resumedAt: number;
    try {
      const started = await post('/api/evals', { pipeline: 'qa', dataset: 'resume', suite: { scorers: [{ name: 'echo', type: 'contains' }], concurrency: 8 } });
      expect(started.status).toBe(201);
      id = (await started.json()).id;
      await expect.poll(() => redisLimit(id), { timeout: 60_000 }).toBe('1');
      expect((await post(`/api/evals/${id}/cancel`, {})).status).toBe(200);
      limitedArrivals = () => false;
      await expect.poll(() => inFlight, { timeout: 10_000 }).toBe(0);
      resumedAt = arrivals.length;
      expect((await post(`/api/evals/${id}/resume`, {})).status).toBe(200);
      const events = await allSseEvents(await api(`/api/evals/${id}/events`));
      expect(events.at(-1)!.event).toBe('eval.completed');
    } finally {
      limitedArrivals = () => false;
      latencyMs = 40;
    }
    const result = await (await api(`/api/evals/${id}`)).json();
    expect(new Set(result.cases.map((c: { id: string }) => c.id)).size).toBe(60);
    // A limit of 1 grows by one per `limit` successes: the first requests of the resumed eval come one, two, then three
    // at a time (a limit started afresh would send 8 at once).
    expect(Math.max(...arrivals.slice(resumedAt, resumedAt + 6).map((a) => a.inFlight))).toBeLessThanOrEqual(3);
    // Once the eval has ended nothing can resume it: its limit is gone from Redis.
    expect(await redisLimit(id)).toBeNull();
  });

  it("runs a rate-limited case again when the provider's Retry-After says, not on the eval's own backoff", async () => {
    // The first 3 arrivals (the call and the SDK's own 2 retries, each 1 s apart) are refused with retry-after 1 s;
    // then the eval's coordinator queues the case again: 1 s later, not after its 250 ms backoff.
    limitedArrivals = (n) => n <= 3;
    limitedHeaders = { 'retry-after': '1' };
    try {
      await runEval('after', 1, 1);
    } finally {
      limitedArrivals = () => false;
      limitedHeaders = undefined;
    }
    expect(arrivals.map((a) => a.limited)).toEqual([true, true, true, false]);
    expect(arrivals[3].at - arrivals[2].at).toBeGreaterThanOrEqual(950);
  });

  it('takes a Retry-After of 0 as no hint: the SDK and the coordinator back off on their own, no burst', async () => {
    // The call and the SDK's own 2 retries are refused with retry-after 0; a zero wait would send all four at once.
    limitedArrivals = (n) => n <= 3;
    limitedHeaders = { 'retry-after': '0' };
    try {
      await runEval('zero-after', 1, 1);
    } finally {
      limitedArrivals = () => false;
      limitedHeaders = undefined;
    }
    expect(arrivals.map((a) => a.limited)).toEqual([true, true, true, false]);
    // The SDK's backoff (~0.5 s less jitter), then the eval's own 250 ms (plus the stub's 40 ms answer).
    expect(arrivals[1].at - arrivals[0].at).toBeGreaterThanOrEqual(350);
    expect(arrivals[3].at - arrivals[2].at).toBeGreaterThanOrEqual(280);
  });

  it("gives a kill -9'd worker's cases to the other worker, so the eval finishes at its full concurrency", async () => {
    latencyMs = 400;
    let killedAt = 0;
    try {
      // Worker a runs cases of a concurrency-4 eval when it dies; b takes them up (stalled jobs) and runs all 4 at once.
      // Enough cases (80 × 400 ms ÷ 4 ≈ 8 s) that plenty are left when a's locks lapse (up to ~3 s at --stalled-ms
      // 1500): with 32, b sometimes got a's cases back only when fewer than 4 were left to run.
      await runEval('leases', 80, 4, async () => {
        await expect.poll(() => (inFlightBy.get(`Bearer ${KEYS.a}`) ?? 0) > 0, { timeout: 30_000 }).toBe(true);
        workers.a!.child.kill('SIGKILL');
        killedAt = arrivals.length;
        await workers.a!.exited;
        // From here b's requests are held until b has 4 in flight: a's cases, back from their lapsed locks, arrive
        // while b's own are at the provider, rather than at whatever moment a loaded machine gets to them (with
        // 400 ms answers and slow turns between cases, four cases on b could miss each other at the provider).
        // Set once a is gone, so that none of a's requests is held (a dead worker's request would still count).
        gathering = { inFlight: () => inFlightBy.get(`Bearer ${KEYS.b}`) ?? 0, reach: 4 };
      });
    } finally {
      latencyMs = 40;
      gathering = undefined;
    }
    expect(Math.max(...arrivals.map((a) => a.inFlight))).toBeLessThanOrEqual(4);
    const afterKill = arrivals.slice(killedAt).filter((a) => a.key === `Bearer ${KEYS.b}`);
    expect(Math.max(...afterKill.map((a) => a.ownInFlight))).toBe(4);
  });
});
