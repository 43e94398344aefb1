import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { allSseEvents, echoPipeline } from './support/test-runner';
import { baseEnv, spawnPatchbay, type PatchbayProcess } from './support/patchbay-process';
import { scaleServices } from './support/scale-services';

const CASES = Array.from({ length: 24 }, (_, i) => ({ id: `case-${i + 1}`, input: { question: `word${i + 1}` }, expected: `word${i + 1}` }));

// An eval is coordinated by the server that accepted it. When that server dies (kill -9, an OOM kill, a node
// lost) and is not started again on its host — a pod rescheduled elsewhere, a scaled-down replica — nothing
// marked the eval `interrupted` (only a server starting on the same host does), so it stayed `running` for good:
// POST /api/evals/ID/resume answered 409 "it is running (only an interrupted or cancelled eval can be)", and
// POST …/cancel 409 "is not running (it is running)". Another server now sees that the eval's coordinator is
// gone (it coordinated it, and its heartbeat lapsed) and takes the resume or the cancel.
describe('scaled out: an eval whose coordinating server died can be resumed or cancelled from another server', () => {
  const services = scaleServices();
  let stub: OpenAIStub;
  let dir: string;
  const servers: Record<'a' | 'b', (PatchbayProcess & { url: string }) | undefined> = { a: undefined, b: undefined };
  let worker: PatchbayProcess;
  const api = (server: 'a' | 'b', p: string, init?: RequestInit) => fetch(`${servers[server]!.url}${p}`, init);
  const post = (server: 'a' | 'b', p: string, body?: unknown) =>
    api(server, p, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  const startServer = async (name: 'a' | 'b') => {
    const env = { ...baseEnv(), STUB_BASE_URL: stub.url, STUB_API_KEY: 'sk-gone', PATCHBAY_DEMO: '0' };
    const serving = await spawnPatchbay(['serve', '--port', '0', '--data', path.join(dir, name), '--store', services.store, '--queue', services.redis.url, '--no-work'], env, /Patchbay listening on (http:\/\/\S+)/);
    servers[name] = { ...serving, url: serving.match[1] };
  };

  beforeAll(async () => {
    stub = await startOpenAIStub({ latencyMs: 150 });
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-coordinator-gone-'));
    await Promise.all([startServer('a'), startServer('b')]);
    worker = await spawnPatchbay(['worker', '--store', services.store, '--queue', services.redis.url, '--concurrency', '2'], { ...baseEnv(), STUB_BASE_URL: stub.url, STUB_API_KEY: 'sk-gone' }, /taking jobs/);
    expect((await post('a', '/api/pipelines', echoPipeline('qa', 'stub:model'))).status).toBe(201);
    expect((await post('a', '/api/datasets', { name: 'words', cases: CASES })).status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    for (const server of Object.values(servers)) server?.child.kill('SIGKILL');
    await stub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** An eval started on server b, which is then killed (kill -9) with cases still to run; b is started again elsewhere (a new data dir). */
  async function evalOfDeadServer(beforeDeath?: (id: string) => Promise<void>): Promise<string> {
    const calls = stub.requests.length;
    const started = await post('b', '/api/evals', { pipeline: 'qa', dataset: 'words', suite: { scorers: [{ name: 'mentions', type: 'contains' }], concurrency: 2 } });
    expect(started.status).toBe(201);
    const { id } = await started.json();
    await expect.poll(() => stub.requests.length - calls, { timeout: 30_000 }).toBeGreaterThan(3);
    await beforeDeath?.(id);
    servers.b!.child.kill('SIGKILL');
    await servers.b!.exited;
    servers.b = undefined;
    expect((await (await api('a', `/api/evals/${id}`)).json()).status).toBe('running');
    return id;
  }

  /** POSTs until the answer is not a 409 (the coordinator's heartbeat lapses ~15 s after it died), up to a minute. */
  async function once409sEnd(p: string): Promise<Response> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await post('a', p);
      if (res.status !== 409 || Date.now() > deadline) return res;
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  it('resumes it from another server, and it ends with every case exactly once', async () => {
    const id = await evalOfDeadServer();
    const resumed = await once409sEnd(`/api/evals/${id}/resume`);
    expect(resumed.status, await resumed.clone().text()).toBe(200);
    let result: any;
    await expect
      .poll(async () => (result = await (await api('a', `/api/evals/${id}`)).json()).status, { timeout: 60_000, interval: 500 })
      .toBe('succeeded');
    const ids = result.cases.map((c: { id: string }) => c.id);
    expect(ids).toHaveLength(CASES.length);
    expect(new Set(ids).size).toBe(CASES.length);
  }, 150_000);

  // Redis without persistence restarted (empty) while b coordinated the eval: b's heartbeat came back with its
  // next beat, but the mark that b coordinated it did not, so once b died nothing said the eval was left and
  // resume answered 409 "it is running" for good.
  it('resumes it from another server after Redis restarted empty while its coordinator lived', async () => {
    await startServer('b');
    const id = await evalOfDeadServer(async (evalId) => {
      await services.redis.restart();
      const redis = new Redis(services.redis.url, { maxRetriesPerRequest: 1 });
      try {
        // b's next beat (every 5 s) finds the empty Redis
        await expect.poll(() => redis.exists(`patchbay:live:eval:${evalId}`), { timeout: 30_000, interval: 250 }).toBe(1);
      } finally {
        redis.disconnect();
      }
    });
    const resumed = await once409sEnd(`/api/evals/${id}/resume`);
    expect(resumed.status, await resumed.clone().text()).toBe(200);
    await expect.poll(async () => (await (await api('a', `/api/evals/${id}`)).json()).status, { timeout: 60_000, interval: 500 }).toBe('succeeded');
  }, 180_000);

  // A promotion runs in the server that took it, as an eval's coordinator does: one whose server died stayed
  // `running` for good (GET /api/promotions/ID, and its event stream ended with no promotion.completed).
  it('ends a promotion whose server died as failed, read from another server', async () => {
    if (!servers.b) await startServer('b');
    const candidate = { ...echoPipeline('qa', 'stub:model'), title: 'v2' };
    const saved = await post('a', '/api/pipelines/qa/versions', { document: candidate, message: 'v2', baseVersion: 1 });
    expect(saved.status).toBe(201);
    const label = await api('a', '/api/pipelines/qa/labels/production', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 1 }) });
    expect(label.status).toBe(200);
    const calls = stub.requests.length;
    const started = await post('b', '/api/pipelines/qa/promotions', { label: 'production', version: 2, suite: { name: 'gone', dataset: 'words', scorers: [{ name: 'mentions', type: 'contains' }], concurrency: 2 } });
    expect(started.status).toBe(202);
    const { id } = await started.json();
    await expect.poll(() => stub.requests.length - calls, { timeout: 30_000 }).toBeGreaterThan(3);
    // A client already following it on another server when its server dies is told how it ended (it used to see
    // the stream just close, with no promotion.completed).
    const following = allSseEvents(await api('a', `/api/promotions/${id}/events`));
    servers.b!.child.kill('SIGKILL');
    await servers.b!.exited;
    servers.b = undefined;
    const followed = await following;
    expect(followed[0].event).toBe('promotion.started');
    expect(followed.at(-1)!.event).toBe('promotion.completed');
    expect(JSON.parse(followed.at(-1)!.data).outcome).toMatchObject({ status: 'failed', moved: false, error: 'the server running it stopped before the promotion ended' });
    // numbered right after what it was sent live
    expect(followed.map((e) => Number(e.id))).toEqual([...followed.keys()]);
    let promotion: any;
    await expect
      .poll(async () => (promotion = await (await api('a', `/api/promotions/${id}`)).json()).status, { timeout: 60_000, interval: 1000 })
      .toBe('failed');
    expect(promotion).toMatchObject({ moved: false, error: 'the server running it stopped before the promotion ended' });
    const events = await allSseEvents(await api('a', `/api/promotions/${id}/events`));
    expect(events.at(-1)!.event).toBe('promotion.completed');
    expect((await (await api('a', '/api/pipelines/qa/labels')).json()).labels.production.version).toBe(1);
  }, 150_000);

  it('cancels it from another server', async () => {
    if (!servers.b) await startServer('b');
    const id = await evalOfDeadServer();
    const cancelled = await once409sEnd(`/api/evals/${id}/cancel`);
    expect(cancelled.status, await cancelled.clone().text()).toBe(200);
    expect(await cancelled.json()).toEqual({ id, status: 'cancelled' });
    expect((await (await api('a', `/api/evals/${id}`)).json()).status).toBe('cancelled');
  }, 150_000);
});
