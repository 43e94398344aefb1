import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres';
import { startOpenAIStub, StubGate, type OpenAIStub } from '../../../test/support/openai-stub';
import { baseEnv, spawnPatchbay, type PatchbayProcess } from './support/patchbay-process';
import { echoPipeline, flakyPipeline as flaky, startTestRunner, waitForRun, type TestRunner } from './support/test-runner';
import { startWebhook, type Webhook } from './support/webhook-receiver';
import { scaleServices } from './support/scale-services';

describe('runs executed on a worker feed the monitoring of the servers (serve --no-work + a worker, as processes)', () => {
  const services = scaleServices();
  let dir: string;
  let server: PatchbayProcess & { url: string };
  let worker: PatchbayProcess | undefined;
  let hook: Webhook;
  const api = (p: string, init?: RequestInit) => fetch(`${server.url}${p}`, init);
  const send = (method: string, p: string, body: unknown) => api(p, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    hook = await startWebhook();
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-scale-monitoring-'));
    const serving = await spawnPatchbay(['serve', '--port', '0', '--data', dir, '--store', services.store, '--queue', services.redis.url, '--no-work'], { ...baseEnv(), PATCHBAY_DEMO: '0' }, /Patchbay listening on (http:\/\/\S+)/);
    server = { ...serving, url: serving.match[1] };
    worker = await spawnPatchbay(['worker', '--store', services.store, '--queue', services.redis.url], baseEnv(), /taking jobs/);
    expect((await send('POST', '/api/pipelines', flaky)).status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    await hook?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts them in /api/metrics and fires alert rules on them', async () => {
    const rules = { rules: [{ name: 'errors', metric: 'errorRate', window: 4, op: 'above', threshold: 0.5, webhook: hook.url }] };
    expect((await send('PUT', '/api/pipelines/flaky/alert-rules', rules)).status).toBe(200);
    // The front door runs nothing (--no-work): every one of these runs on the worker.
    for (const question of ['ok', 'fail', 'fail', 'fail']) {
      const res = await send('POST', '/api/pipelines/flaky/run', { inputs: { question }, version: 1 });
      expect([200, 500, 502, 422]).toContain(res.status);
    }
    const totals = async () => {
      const body = await (await api('/api/metrics?pipeline=flaky&step=1m&from=' + encodeURIComponent(new Date(Date.now() - 600_000).toISOString()))).json();
      let runs = 0;
      let errors = 0;
      for (const series of body.series) for (const p of series.points) (runs += p.runs), (errors += p.errors);
      return { runs, errors };
    };
    await expect.poll(totals, { timeout: 20_000 }).toEqual({ runs: 4, errors: 3 });
    await expect.poll(() => hook.received.length, { timeout: 20_000 }).toBe(1);
    expect(hook.received[0]).toMatchObject({ rule: 'errors', state: 'firing', value: 0.75 });
    // Prometheus on the server counts the worker's runs too.
    const metrics = await (await api('/metrics')).text();
    expect(metrics).toMatch(/patchbay_runs_total\{[^}]*pipeline="flaky"[^}]*status="failed"[^}]*\} 3/);
  });

  it('counts the runs a worker finished while the consumer group was gone (Redis emptied), once the server makes it again', async () => {
    const succeeded = async () => Number(/^patchbay_runs_total\{[^}]*pipeline="flaky"[^}]*status="succeeded"[^}]*\} (\d+)$/m.exec(await (await api('/metrics')).text())?.[1] ?? 0);
    const before = await succeeded();
    const logged = server.output().length;
    // A Redis that lost its data (no persistence, or flushed): the group goes with the stream, and the
    // worker names its next runs in a new stream before the server has made its group again.
    const client = new Redis(services.redis.url);
    try {
      await client.flushall();
    } finally {
      client.disconnect();
    }
    for (let i = 0; i < 3; i++) expect((await send('POST', '/api/pipelines/flaky/run', { inputs: { question: `after flush ${i}` }, version: 1 })).status).toBe(200);
    await expect.poll(succeeded, { timeout: 20_000 }).toBe(before + 3);
    // The server says what happened in its own words, once, not Redis's NOGROUP error
    const lines = server.output().slice(logged).trim().split('\n');
    expect(lines).toEqual([
      'monitoring: Redis no longer had the group that reads the runs finished on workers (it came back empty, or was flushed): making it again, to read the stream from its start',
    ]);
  });
});

// Two servers on one store (behind a load balancer): the monitors and alert rules one of them is given apply to the runs the other observes.
describe('monitors and alert rules saved through one server, on the runs another observes', () => {
  let postgres: PostgresServer;
  let a: TestRunner;
  let b: TestRunner;
  let hook: Webhook;
  beforeAll(async () => {
    postgres = await startPostgres();
    const store = await postgres.createDatabase();
    hook = await startWebhook();
    [a, b] = await Promise.all([startTestRunner({ store, monitoringSyncMs: 200 }), startTestRunner({ store, monitoringSyncMs: 200 })]);
    expect((await a.post('/api/pipelines', flaky)).status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await hook?.close();
    await postgres?.stop();
  });

  it('follows a change made on the other server, without a restart', async () => {
    const put = (runner: TestRunner, path: string, body: unknown) =>
      runner.put(`/api/pipelines/flaky/${path}`, body);
    const run = async (runner: TestRunner, question: string) => (await runner.post('/api/runs?stream=true', { pipeline: 'flaky', inputs: { question } })).text();
    // The list of flaky's monitors or alert rules B has in effect (as JSON), read and not changed.
    const inEffectOnB = (kind: 'monitors' | 'alert-rules') => b.server.monitoring['applied'].get(`${kind}\u0000flaky`);
    const monitor = { name: 'echoes', scorer: { type: 'regex', params: { pattern: 'ok' } }, sample: 1 };
    expect((await put(a, 'monitors', { monitors: [monitor] })).status).toBe(200);
    expect((await put(a, 'alert-rules', { rules: [{ name: 'errors', metric: 'errorRate', window: 1, op: 'above', threshold: 0.5, webhook: hook.url }] })).status).toBe(200);
    // B reads them on its own sync (every 200 ms here): wait until it has put them in effect. A sleep of 600 ms
    // assumed the sync had run by then, which a loaded machine can put off; were B never to read them, this fails.
    await expect.poll(() => [inEffectOnB('monitors'), inEffectOnB('alert-rules')], { timeout: 15_000 }).toEqual([expect.stringContaining('"echoes"'), expect.stringContaining('"errors"')]);
    await run(b, 'fail');
    await run(b, 'ok');
    await b.server.monitoring.settled();
    expect(hook.received.map((x) => x.state)).toEqual(['firing', 'recovered']);
    expect(await (await b.api('/metrics')).text()).toMatch(/^patchbay_monitor_score\{pipeline="flaky",monitor="echoes"\} 1$/m);
    // Removed on A: B stops alerting and reporting the monitor too.
    expect((await put(a, 'alert-rules', { rules: [] })).status).toBe(200);
    expect((await put(a, 'monitors', { monitors: [] })).status).toBe(200);
    await expect.poll(() => [inEffectOnB('monitors'), inEffectOnB('alert-rules')], { timeout: 15_000 }).toEqual(['[]', '[]']);
    await run(b, 'fail');
    await b.server.monitoring.settled();
    expect(hook.received.length).toBe(2);
    expect(await (await b.api('/metrics')).text()).not.toMatch(/^patchbay_monitor_score\{/m);
  });
});

// Redis restarting, or a network blip, while a worker's runs end: they are in the store, and the servers' monitoring
// must still count them once Redis is back (a worker that dropped them left rollups, counters and alert windows short).
describe('runs a worker finished while Redis was away (serve --no-work + a worker, as processes)', () => {
  const services = scaleServices();
  let stub: OpenAIStub;
  let dir: string;
  let server: PatchbayProcess & { url: string };
  let worker: PatchbayProcess | undefined;
  const held = new StubGate();
  const heldLast = new StubGate();
  const api = (p: string, init?: RequestInit) => fetch(`${server.url}${p}`, init);
  const post = (p: string, body: unknown) => api(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const counted = async (status: string) => Number(new RegExp(`^patchbay_runs_total\\{[^}]*pipeline="qa"[^}]*status="${status}"[^}]*\\} (\\d+)$`, 'm').exec(await (await api('/metrics')).text())?.[1] ?? 0);
  const succeeded = () => counted('succeeded');

  beforeAll(async () => {
    // A model call held until the test lets it answer: the runs end when the test says, Redis gone by then.
    stub = await startOpenAIStub({
      handler: async (req) => {
        const question = String(req.body?.messages?.at(-1)?.content);
        if (question.startsWith('held ')) await held.opened();
        if (question.startsWith('held at the stop')) await heldLast.opened();
        return question.startsWith('fail') ? { status: 400 } : { text: 'fine' };
      },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-scale-monitoring-outage-'));
    const env = { ...baseEnv(), STUB_BASE_URL: stub.url, STUB_API_KEY: 'sk-x' };
    const serving = await spawnPatchbay(['serve', '--port', '0', '--data', dir, '--store', services.store, '--queue', services.redis.url, '--no-work'], { ...env, PATCHBAY_DEMO: '0' }, /Patchbay listening on (http:\/\/\S+)/);
    server = { ...serving, url: serving.match[1] };
    worker = await spawnPatchbay(['worker', '--store', services.store, '--queue', services.redis.url, '--concurrency', '4'], env, /taking jobs/);
    expect((await post('/api/pipelines', echoPipeline('qa', 'stub:model'))).status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    held.open();
    heldLast.open();
    worker?.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    await stub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts them on the server once Redis is back', async () => {
    const started = await Promise.all([1, 2, 3].map((n) => post('/api/runs', { pipeline: 'qa', inputs: { question: `held ${n}` } })));
    expect(started.map((r) => r.status)).toEqual([201, 201, 201]);
    const ids = await Promise.all(started.map(async (r) => (await r.json()).id as string));
    // The worker took all three and waits on the model.
    await expect.poll(() => stub.requests.length, { timeout: 30_000 }).toBe(3);
    await services.redis.kill();
    held.open();
    for (const id of ids) expect((await waitForRun({ api }, id, 30_000)).status).toBe('succeeded');
    // The worker tried to name them to the servers while Redis was gone.
    await expect.poll(() => worker!.output(), { timeout: 30_000 }).toMatch(/could not hand .*to monitoring/);
    expect(await succeeded()).toBe(0);
    await services.redis.start();
    await expect.poll(succeeded, { timeout: 30_000 }).toBe(3);
    const rollups = await (await api('/api/metrics?pipeline=qa&step=1m&from=' + encodeURIComponent(new Date(Date.now() - 600_000).toISOString()))).json();
    expect(rollups.series.flatMap((s: { points: { runs: number }[] }) => s.points).reduce((n: number, p: { runs: number }) => n + p.runs, 0)).toBe(3);
  }, 120_000);

  // A worker sends again what Redis may have taken (an XADD whose reply was lost as the connection dropped): the run is
  // then named twice on the stream, and the servers must observe it once.
  it('observes a run named twice on the stream once', async () => {
    const failed = await post('/api/runs', { pipeline: 'qa', inputs: { question: 'fail once' } });
    expect(failed.status).toBe(201);
    const { id } = await failed.json();
    await expect.poll(() => counted('failed'), { timeout: 30_000 }).toBe(1);
    const raw = new Redis(services.redis.url);
    try {
      // What remembers the run's first entry is kept an hour, not a day: a key per finished run of a busy pipeline.
      const ttl = await raw.pttl(`patchbay:finished-run:${id}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(3_600_000);
      await raw.xadd('patchbay:finished-runs', '*', 'id', id, 'tp', '');
    } finally {
      raw.disconnect();
    }
    // A run named after the repeat: once it is counted, the repeat (before it on the stream) was read too.
    const before = await succeeded();
    expect((await post('/api/runs', { pipeline: 'qa', inputs: { question: 'after the repeat' } })).status).toBe(201);
    await expect.poll(succeeded, { timeout: 30_000 }).toBe(before + 1);
    expect(await counted('failed')).toBe(1);
  }, 60_000);

  // Stopped (SIGTERM) while Redis is still away: one last try, then the worker says how many runs no server will count.
  it('stopped while it keeps finished runs, says how many it could not hand over', async () => {
    const asked = stub.requests.length;
    const res = await post('/api/runs', { pipeline: 'qa', inputs: { question: 'held at the stop' } });
    expect(res.status).toBe(201);
    const { id } = await res.json();
    await expect.poll(() => stub.requests.length, { timeout: 30_000 }).toBe(asked + 1);
    const before = worker!.output().length;
    await services.redis.kill();
    try {
      heldLast.open();
      expect((await waitForRun({ api }, id, 30_000)).status).toBe('succeeded');
      await expect.poll(() => worker!.output().slice(before), { timeout: 30_000 }).toMatch(/could not hand finished runs to monitoring/);
      worker!.child.kill('SIGTERM');
      await worker!.exited;
      expect(worker!.output().slice(before)).toMatch(/stopped before handing every finished run to monitoring: 1 run\(s\) finished while Redis was away were not handed over/);
    } finally {
      await services.redis.start();
    }
  }, 60_000);
});
