import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { allSseEvents, echoPipeline, waitForRun } from './support/test-runner';
import { baseEnv, spawnPatchbay, type PatchbayProcess } from './support/patchbay-process';
import { scaleServices } from './support/scale-services';

// Each process has its own provider key; the stub sees which process made a call by it.
const KEYS = { front: 'sk-front-9f3a1c', a: 'sk-worker-a-77d2e0', b: 'sk-worker-b-41c8b5', c: 'sk-worker-c-0d93aa' };
const CASES = Array.from({ length: 160 }, (_, i) => ({ id: `case-${i + 1}`, input: { question: `word${i + 1}` }, expected: `word${i + 1}` }));

describe('scaled out: serve (a pure front door) + 2 workers as processes, over a real Redis and PostgreSQL', () => {
  const services = scaleServices();
  let stub: OpenAIStub;
  let dir: string;
  let server: PatchbayProcess & { url: string };
  let env: (key: string) => NodeJS.ProcessEnv;
  // Model calls in progress at the stub right now, and the most seen at once.
  let inFlight = 0;
  let maxInFlight = 0;
  /**
   * While set, calls wait before they are answered until this many are in flight (10 s at most, once): calls the
   * eval lets run together are then seen together however slowly a loaded machine starts them (a 60 ms answer
   * leaves little time); with fewer let through it ends short of it.
   */
  let gatherTo: number | undefined;
  const workers: Record<'a' | 'b' | 'c', PatchbayProcess | undefined> = { a: undefined, b: undefined, c: undefined };
  const api = (p: string, init?: RequestInit) => fetch(`${server.url}${p}`, init);
  const post = (p: string, body: unknown) => api(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const callsBy = (key: string) => stub.requests.filter((r) => r.headers.authorization === `Bearer ${key}`).length;

  beforeAll(async () => {
    stub = await startOpenAIStub({
      handler: async (req) => {
        // Questions of the cancel test never get an answer: their cases run until they are aborted.
        if (String(req.body?.messages?.at(-1)?.content).startsWith('hang ')) return { hang: 'before-response' };
        // A model that repeats the caller's key, streamed a few characters at a time (a key split over tokens).
        if (String(req.body?.messages?.at(-1)?.content).startsWith('repeat key ')) {
          const key = String(req.headers.authorization).replace(/^Bearer /, '');
          return { text: `the key is ${key}`, pieces: ['the key is ', ...(key.match(/.{1,3}/g) ?? [])] };
        }
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (gatherTo !== undefined) {
          const until = Date.now() + 10_000;
          while (gatherTo !== undefined && inFlight < gatherTo && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
          gatherTo = undefined;
        }
        await new Promise((r) => setTimeout(r, 60));
        inFlight--;
        return { text: `answer: ${req.body?.messages?.at(-1)?.content}` };
      },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-scale-'));
    env = (key: string) => ({ ...baseEnv(), STUB_BASE_URL: stub.url, STUB_API_KEY: key });
    const serving = await spawnPatchbay(['serve', '--port', '0', '--data', dir, '--store', services.store, '--queue', services.redis.url, '--no-work'], { ...env(KEYS.front), PATCHBAY_DEMO: '0' }, /Patchbay listening on (http:\/\/\S+)/);
    server = { ...serving, url: serving.match[1] };
    const workerArgs = ['worker', '--store', services.store, '--queue', services.redis.url, '--concurrency', '4', '--stalled-ms', '1000'];
    [workers.a, workers.b] = await Promise.all([spawnPatchbay(workerArgs, env(KEYS.a), /taking jobs/), spawnPatchbay(workerArgs, env(KEYS.b), /taking jobs/)]);
    expect((await post('/api/pipelines', echoPipeline('qa', 'stub:model'))).status).toBe(201);
    expect((await post('/api/datasets', { name: 'words', cases: CASES })).status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    for (const w of Object.values(workers)) w?.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    await stub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('streams a run that a worker executes to the client of the front door, with Last-Event-ID replay', async () => {
    const res = await post('/api/runs?stream=true', { pipeline: 'qa', inputs: { question: 'hello' } });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-run-id')!;
    const events = await allSseEvents(res);
    expect(events.some((e) => e.event === 'node.completed')).toBe(true);
    expect(events[0].event).toBe('run.started');
    expect(events.at(-1)!.event).toBe('run.completed');
    expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i));
    expect(JSON.parse(events.at(-1)!.data).outputs).toEqual({ answer: 'answer: hello' });
    // The front door runs nothing: the model was called with a worker's key.
    expect(callsBy(KEYS.front)).toBe(0);
    expect(callsBy(KEYS.a) + callsBy(KEYS.b)).toBe(1);
    const record = await (await api(`/api/runs/${id}`)).json();
    expect(record).toMatchObject({ id, status: 'succeeded', outputs: { answer: 'answer: hello' } });
    const replay = await allSseEvents(await api(`/api/runs/${id}/events`, { headers: { 'last-event-id': '1' } }));
    expect(replay.map((e) => e.id)).toEqual(events.slice(2).map((e) => e.id));
  });

  it("holds an eval's concurrency as a cap over all workers (two workers of 4 each, an eval of 3)", async () => {
    // Questions of their own: the next eval's must not be in the workers' response caches.
    const capped = CASES.slice(0, 40).map((c) => ({ ...c, input: { question: `capped ${c.input.question}` } }));
    expect((await post('/api/datasets', { name: 'capped', cases: capped })).status).toBe(201);
    maxInFlight = 0;
    gatherTo = 3;
    const started = await post('/api/evals', { pipeline: 'qa', dataset: 'capped', suite: { scorers: [{ name: 'mentions', type: 'contains' }], concurrency: 3 } });
    expect(started.status).toBe(201);
    const { id } = await started.json();
    const events = await allSseEvents(await api(`/api/evals/${id}/events`));
    gatherTo = undefined;
    expect(events.at(-1)!.event).toBe('eval.completed');
    expect(events.filter((e) => e.event === 'eval.case').length).toBe(capped.length);
    // Held until 3 were in flight: the cap is used, not traded for fewer at once (it read "at least 2" unheld).
    expect(maxInFlight).toBe(3);
  });

  it('spreads an eval over both workers and finishes it with every case exactly once after one is killed with kill -9', async () => {
    const before = { a: callsBy(KEYS.a), b: callsBy(KEYS.b) };
    const started = await post('/api/evals', { pipeline: 'qa', dataset: 'words', suite: { scorers: [{ name: 'mentions', type: 'contains' }], concurrency: 8 } });
    expect(started.status).toBe(201);
    const { id } = await started.json();
    // Both workers take cases; then one dies without a word, holding cases it had started.
    await expect.poll(() => callsBy(KEYS.a) - before.a > 5 && callsBy(KEYS.b) - before.b > 5, { timeout: 30_000 }).toBe(true);
    workers.a!.child.kill('SIGKILL');
    await workers.a!.exited;
    const deadline = Date.now() + 45_000;
    let result: any;
    for (;;) {
      result = await (await api(`/api/evals/${id}`)).json();
      if (result.status !== 'running' || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(result.status).toBe('succeeded');
    expect(result.progress).toEqual({ done: CASES.length, total: CASES.length });
    const ids = result.cases.map((c: { id: string }) => c.id);
    expect(ids.length).toBe(CASES.length);
    expect(new Set(ids).size).toBe(CASES.length);
    expect(result.cases.every((c: { status: string }) => c.status === 'passed')).toBe(true);
    expect(callsBy(KEYS.front)).toBe(0);
    // The SSE stream of the eval has each case once too.
    const events = await allSseEvents(await api(`/api/evals/${id}/events`));
    expect(events.filter((e) => e.event === 'eval.case').length).toBe(CASES.length);
  });

  it("aborts an eval's running cases on a worker whose cancel listener was reconnecting when the cancel was sent", async () => {
    const hanging = Array.from({ length: 4 }, (_, i) => ({ id: `h${i}`, input: { question: `hang ${i}` }, expected: 'never' }));
    expect((await post('/api/datasets', { name: 'hanging', cases: hanging })).status).toBe(201);
    const started = await post('/api/evals', { pipeline: 'qa', dataset: 'hanging', suite: { scorers: [{ name: 'mentions', type: 'contains' }], concurrency: 4 } });
    expect(started.status).toBe(201);
    const { id } = await started.json();
    const asked = () => stub.requests.filter((r) => String(r.body?.messages?.at(-1)?.content).startsWith('hang ')).length;
    await expect.poll(asked, { timeout: 30_000 }).toBe(4);
    const redisClient = new Redis(services.redis.url);
    try {
      const active = () => redisClient.llen('patchbay:case:active');
      expect(await active()).toBe(4);
      // The cancel the coordinator sends (key + message), in the same transaction as dropping every
      // process's cancel listener: the message reaches nobody; the listeners reconnect after it.
      const listeners = (await redisClient.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
      const ids = [...listeners.matchAll(/^id=(\d+) .*name=patchbay-cancel-listener /gm)].map((m) => m[1]);
      expect(ids.length).toBeGreaterThanOrEqual(2);
      const tx = redisClient.multi();
      for (const clientId of ids) tx.call('CLIENT', 'KILL', 'ID', clientId);
      tx.set(`patchbay:cancelled:eval:${id}`, 'cancelled while Redis was away', 'EX', 600);
      tx.publish('patchbay:cancel', JSON.stringify({ kind: 'eval', id, reason: 'cancelled while Redis was away' }));
      const replies = await tx.exec();
      expect(replies!.at(-1)).toEqual([null, 0]); // nobody heard the message
      // The workers notice once they listen again: the four hanging cases are aborted and their jobs end.
      await expect.poll(active, { timeout: 30_000 }).toBe(0);
      expect(asked()).toBe(4);
    } finally {
      redisClient.disconnect();
      expect((await post(`/api/evals/${id}/cancel`, {})).status).toBe(200);
    }
    const result = await (await api(`/api/evals/${id}`)).json();
    expect(result.status).toBe('cancelled');
    expect(result.cases).toEqual([]);
  });

  it('stops a SIGTERMed worker after --grace-ms even when its cases never finish, and hands them back to the queue', async () => {
    workers.c = await spawnPatchbay(['worker', '--store', services.store, '--queue', services.redis.url, '--concurrency', '4', '--stalled-ms', '1000', '--grace-ms', '500'], env(KEYS.c), /taking jobs/);
    // Eight cases that never get an answer, eight at once: worker b holds four at most, so c holds some.
    const hanging = Array.from({ length: 8 }, (_, i) => ({ id: `t${i}`, input: { question: `hang term ${i}` }, expected: 'never' }));
    expect((await post('/api/datasets', { name: 'hanging-term', cases: hanging })).status).toBe(201);
    const started = await post('/api/evals', { pipeline: 'qa', dataset: 'hanging-term', suite: { scorers: [{ name: 'mentions', type: 'contains' }], concurrency: 8 } });
    expect(started.status).toBe(201);
    const { id } = await started.json();
    const askedBy = (key: string) => stub.requests.filter((r) => r.headers.authorization === `Bearer ${key}` && String(r.body?.messages?.at(-1)?.content).startsWith('hang term ')).length;
    await expect.poll(() => askedBy(KEYS.c), { timeout: 30_000 }).toBeGreaterThan(0);
    const heldByC = askedBy(KEYS.c);
    workers.c.child.kill('SIGTERM');
    // Its cases never get an answer: the worker must not wait for them past its grace.
    const exit = await Promise.race([workers.c.exited, new Promise((r) => setTimeout(() => r('still running after 30 s'), 30_000))]);
    expect(exit, workers.c.output()).toBe(0);
    expect(workers.c.output()).not.toMatch(/\n\s+at /);
    // Its cases' locks lapse and the stalled-job check puts them back on the queue for any worker.
    const redisClient = new Redis(services.redis.url);
    try {
      await expect.poll(() => redisClient.llen('patchbay:case:wait'), { timeout: 30_000 }).toBeGreaterThanOrEqual(heldByC);
    } finally {
      redisClient.disconnect();
    }
    expect((await post(`/api/evals/${id}/cancel`, {})).status).toBe(200);
  }, 150_000); // a worker to start (up to ~20 s under load), its grace and stop, and the stalled-job check

  it('refuses an eval with 503 while Redis hangs, and records nothing', async () => {
    const evalsBefore = (await (await api('/api/evals')).json()).length;
    services.redis.process.kill('SIGSTOP');
    let started: Response;
    try {
      started = await post('/api/evals', { pipeline: 'qa', dataset: 'words', suite: { scorers: [{ name: 'mentions', type: 'contains' }], concurrency: 2 } });
    } finally {
      services.redis.process.kill('SIGCONT');
    }
    expect(started.status).toBe(503);
    expect(started.headers.get('retry-after')).toBe('5');
    expect((await started.json()).type).toMatch(/queue-unavailable$/);
    expect((await (await api('/api/evals')).json()).length).toBe(evalsBefore);
  });

  it('answers 503 to a run while Redis hangs, and never runs it once Redis answers again', async () => {
    const question = 'asked while redis hung';
    // A hung Redis (not a closed one): the enqueue is on the wire, unanswered, when the front door gives up.
    services.redis.process.kill('SIGSTOP');
    let run: Response;
    try {
      run = await post('/api/runs', { pipeline: 'qa', inputs: { question } });
    } finally {
      services.redis.process.kill('SIGCONT');
    }
    expect(run.status).toBe(503);
    expect(run.headers.get('retry-after')).toBe('5');
    expect((await run.json()).type).toMatch(/queue-unavailable$/);
    // A run enqueued now goes on the same connection after the one that was answered 503: once it has
    // finished and the queue is empty, the first one has been taken off the queue too.
    const after = await post('/api/runs', { pipeline: 'qa', inputs: { question: 'after redis came back' } });
    expect(after.status).toBe(201);
    const { id: afterId } = await after.json();
    expect((await waitForRun({ api }, afterId, 30_000)).status).toBe('succeeded');
    const redisClient = new Redis(services.redis.url);
    try {
      const queued = async () => (await redisClient.llen('patchbay:run:wait')) + (await redisClient.llen('patchbay:run:active'));
      await expect.poll(queued, { timeout: 30_000 }).toBe(0);
    } finally {
      redisClient.disconnect();
    }
    // "nothing was started": the model never saw it, and its record says it failed.
    expect(stub.requests.filter((r) => String(r.body?.messages?.at(-1)?.content) === question)).toEqual([]);
    const runs: Array<{ status: string; error: string | null }> = await (await api('/api/runs?pipeline=qa&source=api&limit=50')).json();
    expect(runs.filter((r) => /queue is unavailable/.test(r.error ?? '')).map((r) => r.status)).toEqual(['failed']);
  });

  it("masks a worker's provider key that a model repeats in what goes through Redis: a run's events and an eval's case results", async () => {
    const res = await post('/api/runs?stream=true', { pipeline: 'qa', inputs: { question: 'repeat key 1' } });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-run-id')!;
    const sse = await allSseEvents(res);
    const streamed = JSON.stringify(sse);
    expect(streamed).toContain('the key is [REDACTED]');
    // The key came in 3-character tokens: no one event holds it, so the tokens joined as a client shows them are checked too.
    const tokensOf = (events: Array<{ type?: string; text?: string }>) => events.filter((e) => e.type === 'node.token').map((e) => e.text).join('');
    const sseTokens = tokensOf(sse.map((e) => JSON.parse(e.data)));
    expect(sseTokens).toContain('the key is [REDACTED]');
    const client = new Redis(services.redis.url);
    try {
      const entries = await client.xrange(`patchbay:events:run:${id}`, '-', '+');
      const inRedis = JSON.stringify(entries);
      const redisTokens = tokensOf(entries.map(([, fields]) => (fields[0] === 'e' ? JSON.parse(fields[1]) : {})));
      expect(redisTokens).toContain('the key is [REDACTED]');
      for (const key of Object.values(KEYS)) {
        expect(streamed).not.toContain(key);
        expect(inRedis).not.toContain(key);
        expect(sseTokens).not.toContain(key);
        expect(redisTokens).not.toContain(key);
      }
    } finally {
      client.disconnect();
    }
    // A case's record travels from the worker to the coordinator through Redis: the scorer's reason quotes the output.
    const cases = [{ id: 'k1', input: { question: 'repeat key 2' }, expected: 'no key' }];
    expect((await post('/api/datasets', { name: 'repeat-key', cases })).status).toBe(201);
    const started = await post('/api/evals', { pipeline: 'qa', dataset: 'repeat-key', suite: { scorers: [{ name: 'same', type: 'exact' }], concurrency: 1 } });
    expect(started.status).toBe(201);
    const events = JSON.stringify(await allSseEvents(await api(`/api/evals/${(await started.json()).id}/events`)));
    expect(events).toContain('the key is [REDACTED]');
    for (const key of Object.values(KEYS)) expect(events).not.toContain(key);
  });

  it('never puts a provider key into Redis', async () => {
    const client = new Redis(services.redis.url);
    const dump: string[] = [];
    for (const key of await client.keys('*')) {
      const type = await client.type(key);
      if (type === 'string') dump.push(String(await client.get(key)));
      else if (type === 'hash') dump.push(JSON.stringify(await client.hgetall(key)));
      else if (type === 'list') dump.push(JSON.stringify(await client.lrange(key, 0, -1)));
      else if (type === 'set') dump.push(JSON.stringify(await client.smembers(key)));
      else if (type === 'zset') dump.push(JSON.stringify(await client.zrange(key, 0, -1)));
      else if (type === 'stream') dump.push(JSON.stringify(await client.xrange(key, '-', '+')));
      dump.push(key);
    }
    client.disconnect();
    const everything = dump.join('\n');
    expect(everything.length).toBeGreaterThan(0);
    for (const key of Object.values(KEYS)) expect(everything).not.toContain(key);
  });

  it('never puts a provider key into the store (every row of every table in PostgreSQL)', async () => {
    const client = new pg.Client({ connectionString: services.store });
    await client.connect();
    const dump: string[] = [];
    try {
      const { rows: tables } = await client.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`);
      for (const { name } of tables) {
        const { rows } = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${name}" t`);
        dump.push(name, ...rows.map((r) => r.row));
      }
    } finally {
      await client.end();
    }
    const everything = dump.join('\n');
    // The runs and eval cases of the tests above are there (model replies included); no key is.
    expect(everything).toContain('answer: hello');
    for (const key of Object.values(KEYS)) expect(everything).not.toContain(key);
  });
});
