import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoPipeline } from './support/test-runner';
import { baseEnv, spawnPatchbay, type PatchbayProcess } from './support/patchbay-process';
import { scaleServices } from './support/scale-services';

describe('scaled out, Redis stopped: a front door answers a clear 503 and starts nothing', () => {
  const services = scaleServices();
  let dir: string;
  let server: PatchbayProcess & { url: string };
  const api = (p: string, init?: RequestInit) => fetch(`${server.url}${p}`, init);
  const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
    api(p, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-redis-down-'));
    const serving = await spawnPatchbay(['serve', '--port', '0', '--data', dir, '--store', services.store, '--queue', services.redis.url, '--no-work'], { ...baseEnv(), PATCHBAY_DEMO: '0' }, /Patchbay listening on (http:\/\/\S+)/);
    server = { ...serving, url: serving.match[1] };
    expect((await post('/api/pipelines', echoPipeline('qa'))).status).toBe(201);
    expect((await post('/api/datasets', { name: 'words', cases: [{ id: 'a', input: { question: 'a' }, expected: 'a' }] })).status).toBe(201);
    await services.redis.stop();
  }, 120_000);

  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says the queue is not connected (and what the connection heard), not what ioredis says of its offline queue', async () => {
    const run = await post('/api/runs', { pipeline: 'qa', inputs: { question: 'hello' } });
    expect(run.status).toBe(503);
    expect(run.headers.get('retry-after')).toBe('5');
    const problem = await run.json();
    expect(problem.type).toMatch(/queue-unavailable$/);
    expect(problem.detail).toMatch(/^the job queue is unavailable \(Redis is not connected( \([^)]+\))?\); nothing was started, try again shortly$/);
    // The run's record, read back later, says the same.
    const [latest] = await (await api('/api/runs?limit=1')).json();
    expect(latest).toMatchObject({ pipeline: 'qa', status: 'failed', error: problem.detail });

    const evaluation = await post('/api/evals', { pipeline: 'qa', dataset: 'words', suite: { scorers: [{ name: 'same', type: 'contains' }] } });
    expect(evaluation.status).toBe(503);
    expect((await evaluation.json()).detail).toMatch(/\(Redis is not connected( \([^)]+\))?\)/);
  });
});
