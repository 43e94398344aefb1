import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../test/support/redis-server';
import { startPostgres } from '../../../test/support/postgres';
import type { FinishedRunFacts } from '../src/monitoring/run-facts';
import { flakyPipeline as flaky, startTestRunner, type TestRunner } from './support/test-runner';
import { startWebhook, type Webhook } from './support/webhook-receiver';
import { scaleServices } from './support/scale-services';

/** A run as the run manager (or the finished-run feed) hands it to a server's monitoring when it ends. */
const ended = (id: string, status: 'succeeded' | 'failed'): FinishedRunFacts => ({
  id,
  pipeline: 'flaky',
  version: 1,
  label: 'production',
  source: 'serve',
  status,
  startedAt: Date.now(),
  durationMs: 5,
  error: status === 'failed' ? 'it failed' : null,
  nodes: {},
  inputs: { question: id },
  outputs: null,
  document: flaky,
});

// Two front doors behind a load balancer, scaled out on one Redis and one store: an alert rule's window
// holds the runs both of them observe, and each change of state is posted once, not once per server.
describe('alert rules over the runs of every server (two front doors on one Redis)', () => {
  const services = scaleServices();
  let a: TestRunner;
  let b: TestRunner;
  let hook: Webhook;
  const logs: string[] = [];

  beforeAll(async () => {
    hook = await startWebhook();
    const options = { store: services.store, queue: { url: services.redis.url, work: false }, monitoringSyncMs: 200, log: (line: string) => logs.push(line) };
    [a, b] = await Promise.all([startTestRunner(options), startTestRunner(options)]);
    expect((await a.post('/api/pipelines', flaky)).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await hook?.close();
  });

  it('fills one window from the runs of both servers and posts each change of state once', async () => {
    const rules = { rules: [{ name: 'errors', metric: 'errorRate', window: 4, op: 'above', threshold: 0.5, webhook: hook.url }] };
    expect((await a.put('/api/pipelines/flaky/alert-rules', rules)).status).toBe(200);
    // B reads the rule from the store now, as its own sync (every 200 ms) would: a run B observes before it knows the
    // rule is no sample for it. A sleep of 600 ms assumed the sync had run by then, which a loaded machine can put off.
    await b.server.monitoring.syncConfigs();
    // Two failed runs on each server: neither saw four, together they fill the window.
    a.server.monitoring.observeRun(ended('f1', 'failed'));
    b.server.monitoring.observeRun(ended('f2', 'failed'));
    a.server.monitoring.observeRun(ended('f3', 'failed'));
    b.server.monitoring.observeRun(ended('f4', 'failed'));
    await expect.poll(() => hook.received.length, { timeout: 15_000 }).toBe(1);
    expect(hook.received[0]).toMatchObject({ rule: 'errors', pipeline: 'flaky', state: 'firing', value: 1, window: 4 });
    expect([...(hook.received[0].runs as string[])].sort()).toEqual(['f1', 'f2', 'f3', 'f4']);

    // Two good runs, one on each: the window is back to half failed, which is not above 0.5.
    a.server.monitoring.observeRun(ended('ok1', 'succeeded'));
    b.server.monitoring.observeRun(ended('ok2', 'succeeded'));
    await expect.poll(() => hook.received.length, { timeout: 15_000 }).toBe(2);
    expect(hook.received[1]).toMatchObject({ rule: 'errors', state: 'recovered', value: 0.5 });
    // Both servers saw both changes: still one post each, and one record each in the alert log.
    await new Promise((r) => setTimeout(r, 1_000));
    await Promise.all([a.server.monitoring.settled(), b.server.monitoring.settled()]);
    expect(hook.received.map((x) => x.state)).toEqual(['firing', 'recovered']);
    const log = await (await a.api('/api/pipelines/flaky/alerts')).json();
    expect(log.alerts.map((x: { state: string }) => x.state)).toEqual(['recovered', 'firing']);
  });

  it('leaves out an entry of the stream that is no sample (another version, a hand-written XADD), logging it, and fires on the runs', async () => {
    hook.received.length = 0;
    const rules = { rules: [{ name: 'errors-of-two', metric: 'errorRate', window: 2, op: 'above', threshold: 0.5, webhook: hook.url }] };
    expect((await a.put('/api/pipelines/flaky/alert-rules', rules)).status).toBe(200);
    // B reads the rule from the store now, as its own sync (every 200 ms) would: a run B observes before it knows the
    // rule is no sample for it. A sleep of 600 ms assumed the sync had run by then, which a loaded machine can put off.
    await b.server.monitoring.syncConfigs();
    const raw = new Redis(services.redis.url);
    try {
      // Failed runs as far as they go, with no id, time or duration: were they counted, the rule would be firing with no post.
      for (const s of ['not json', 'null', '{"kind":"run"}', '{"kind":"run","run":{"pipeline":"flaky","status":"failed"}}', '{"kind":"run","run":{"pipeline":"flaky","status":"failed"}}']) {
        await raw.xadd('patchbay:alert-samples', '*', 's', s);
      }
      await raw.xadd('patchbay:alert-samples', '*', 'x', 'y');
    } finally {
      raw.disconnect();
    }
    a.server.monitoring.observeRun(ended('g1', 'failed'));
    b.server.monitoring.observeRun(ended('g2', 'failed'));
    await expect.poll(() => hook.received.length, { timeout: 15_000 }).toBe(1);
    expect(hook.received[0]).toMatchObject({ rule: 'errors-of-two', state: 'firing', value: 1 });
    expect([...(hook.received[0].runs as string[])].sort()).toEqual(['g1', 'g2']);
    expect(logs.filter((line) => line.startsWith('alert rules left out an entry of patchbay:alert-samples that is no sample'))).not.toHaveLength(0);
  });
});

// A front door told to stop while Redis is away (an outage, Redis stopped first by a careless shutdown script)
// still stops: the readers of the alert samples and of the finished runs wait out an outage, but not a close.
describe('a front door stopped while Redis is away', () => {
  it('closes, its alert windows and finished-run feed reading nothing more', async () => {
    const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
    const server = await startTestRunner({ store: await postgres.createDatabase(), queue: { url: redis.url, work: false } });
    try {
      expect((await server.post('/api/pipelines', flaky)).status).toBe(201);
      await redis.stop();
      // Past the first reconnect attempts: the readers now wait between tries, as through any longer outage.
      await new Promise((r) => setTimeout(r, 2_500));
      await server.close();
    } finally {
      await redis.stop();
      await postgres.stop();
    }
  }, 30_000);
});

// Redis restarting, or a network blip: the runs a server observes meanwhile still count in the alert windows once it is
// back (an outage is when alerts matter most), in the order they were observed, and at the time they were observed.
describe('alert samples observed while Redis is away', () => {
  const services = scaleServices();
  let server: TestRunner;
  let hook: Webhook;
  const logs: string[] = [];

  beforeAll(async () => {
    hook = await startWebhook();
    server = await startTestRunner({ store: services.store, queue: { url: services.redis.url, work: false }, log: (line: string) => logs.push(line) });
    expect((await server.post('/api/pipelines', flaky)).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await hook?.close();
  });

  const streamed = async (): Promise<string[]> => {
    const raw = new Redis(services.redis.url);
    try {
      const entries = (await raw.xrange('patchbay:alert-samples', '-', '+')) as [string, string[]][];
      return entries.map(([, fields]) => JSON.parse(fields[1]).run.id);
    } finally {
      raw.disconnect();
    }
  };

  it('fires, once and in the alert log, on failed runs observed while Redis was down, at the time they were observed', async () => {
    const rules = { rules: [{ name: 'errors-in-outage', metric: 'errorRate', window: 2, op: 'above', threshold: 0.5, webhook: hook.url }] };
    expect((await server.put('/api/pipelines/flaky/alert-rules', rules)).status).toBe(200);
    await services.redis.kill();
    server.server.monitoring.observeRun(ended('down1', 'failed'));
    server.server.monitoring.observeRun(ended('down2', 'failed'));
    await server.server.monitoring.settled();
    const back = Date.now();
    await services.redis.start();
    await expect.poll(() => hook.received.length, { timeout: 15_000 }).toBe(1);
    expect(hook.received[0]).toMatchObject({ rule: 'errors-in-outage', pipeline: 'flaky', state: 'firing', value: 1, window: 2 });
    expect(hook.received[0].runs).toEqual(['down1', 'down2']);
    // The run's own time, not when Redis took it.
    expect(Date.parse(hook.received[0].at as string)).toBeLessThanOrEqual(back);
    await server.server.monitoring.settled();
    expect(hook.received).toHaveLength(1);
    const log = await (await server.api('/api/pipelines/flaky/alerts')).json();
    expect(log.alerts.map((x: { rule: string; state: string }) => [x.rule, x.state])).toEqual([['errors-in-outage', 'firing']]);
  });

  it('keeps the newest 10,000 in order past the bound, and says once how many of the oldest it dropped', async () => {
    hook.received.length = 0;
    const rules = { rules: [{ name: 'errors-of-four', metric: 'errorRate', window: 4, op: 'above', threshold: 0.5, webhook: hook.url }] };
    expect((await server.put('/api/pipelines/flaky/alert-rules', rules)).status).toBe(200);
    await services.redis.kill();
    // Five good runs first: kept, they would be read before the failures (and the window is full of failures either way).
    for (let i = 0; i < 5; i++) server.server.monitoring.observeRun(ended(`old${i}`, 'succeeded'));
    for (let i = 0; i < 10_000; i++) server.server.monitoring.observeRun(ended(`new${i}`, 'failed'));
    await services.redis.start();
    await expect.poll(() => hook.received.length, { timeout: 30_000 }).toBe(1);
    expect(hook.received[0]).toMatchObject({ rule: 'errors-of-four', state: 'firing', value: 1 });
    await expect.poll(async () => (await streamed()).length, { timeout: 30_000 }).toBe(10_000);
    const ids = await streamed();
    expect(ids).toEqual(Array.from({ length: 10_000 }, (_, i) => `new${i}`));
    await expect.poll(() => logs.filter((line) => /were dropped/.test(line)), { timeout: 15_000 }).toHaveLength(1);
    expect(logs.filter((line) => /were dropped/.test(line))).toEqual([expect.stringMatching(/the oldest 5 were dropped/)]);
  }, 60_000);

  it('stopped while samples wait for Redis, says how many were not published', async () => {
    // Another store needs a queue of its own: the first one's server claims this Redis's database 0 again after each restart.
    const other = await startTestRunner({ store: await services.postgres.createDatabase(), queue: { url: `${services.redis.url}/1`, work: false }, log: (line: string) => logs.push(line) });
    try {
      expect((await other.post('/api/pipelines', flaky)).status).toBe(201);
      const rules = { rules: [{ name: 'errors', metric: 'errorRate', window: 2, op: 'above', threshold: 0.5, webhook: hook.url }] };
      expect((await other.put('/api/pipelines/flaky/alert-rules', rules)).status).toBe(200);
      await services.redis.kill();
      other.server.monitoring.observeRun(ended('lost1', 'failed'));
      other.server.monitoring.observeRun(ended('lost2', 'failed'));
      other.server.monitoring.observeRun(ended('lost3', 'succeeded'));
      await other.close();
      expect(logs.filter((line) => /not published/.test(line))).toEqual([expect.stringMatching(/\b3 sample\(s\)/)]);
    } finally {
      await other.close();
      await services.redis.start();
    }
  }, 30_000);
});
