import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';
import { startPrometheus } from './support/prometheus-process';

async function runTimes(runner: TestRunner, pipeline: string, n: number) {
  for (let i = 0; i < n; i++) await (await runner.post('/api/runs?stream=true', { pipeline, inputs: { question: `q${i}` } })).text();
}

describe('GET /metrics (Prometheus)', () => {
  let runner: TestRunner;
  beforeAll(async () => {
    runner = await startTestRunner();
    expect((await runner.post('/api/pipelines', echoPipeline('scraped'))).status).toBe(201);
    await runTimes(runner, 'scraped', 5);
  });
  afterAll(() => runner.close());

  it('is open on loopback without a token, but a serving key sent there is still refused (403), as on the API', async () => {
    const { key } = await (await runner.post('/api/keys', { name: 'loopback-app' })).json();
    const refused = await runner.api('/metrics', { headers: { authorization: `Bearer ${key}` } });
    expect(refused.status).toBe(403);
    expect((await refused.json()).detail).toMatch(/GET \/metrics needs the admin token or PATCHBAY_METRICS_TOKEN$/);
    expect((await runner.api('/metrics')).status).toBe(200);
  });

  it('speaks the text exposition format with bounded labels: no run ids, no inputs', async () => {
    const res = await runner.api('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^patchbay_runs_total\{pipeline="scraped",version="1",label="",source="[a-z]*",status="succeeded"\} 5$/m);
    expect(text).toMatch(/^patchbay_run_duration_seconds_count\{pipeline="scraped",version="1",label="",source="[a-z]*"\} 5$/m);
    expect(text).toMatch(/^patchbay_node_duration_seconds_count\{pipeline="scraped",node_type="llm"\} 5$/m);
    expect(text).toMatch(/^patchbay_model_calls_total\{model="offline:echo",status="ok"\} 5$/m);
    expect(text).toMatch(/^# TYPE patchbay_eval_cases_total counter$/m);
    expect(text).toMatch(/^# TYPE patchbay_monitor_score gauge$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    // q0…q4 were inputs; a run id is a UUID: neither may be a label value.
    expect(text).not.toMatch(/"q\d"/);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('counts finished eval cases by status', async () => {
    const cases = [{ id: 'a', input: { question: 'x' }, expected: 'x' }, { id: 'b', input: { question: 'y' }, expected: 'z' }];
    expect((await runner.post('/api/datasets', { name: 'two', cases })).status).toBe(201);
    const started = await (await runner.post('/api/evals', { pipeline: 'scraped', dataset: 'two', suite: { scorers: [{ name: 'same', type: 'exact' }] } })).json();
    const deadline = Date.now() + 20_000;
    while ((await (await runner.api(`/api/evals/${started.id}`)).json()).status === 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const text = await (await runner.api('/metrics')).text();
    expect(text).toMatch(/^patchbay_eval_cases_total\{pipeline="scraped",status="passed"\} 1$/m);
    expect(text).toMatch(/^patchbay_eval_cases_total\{pipeline="scraped",status="failed"\} 1$/m);
  });

  it('stops reporting patchbay_monitor_score for a monitor removed or switched off (not its last mean for good)', async () => {
    expect((await runner.post('/api/pipelines', echoPipeline('watched'))).status).toBe(201);
    const put = (monitors: unknown[]) =>
      runner.put('/api/pipelines/watched/monitors', { monitors });
    const monitor = (name: string) => ({ name, scorer: { type: 'regex', params: { pattern: 'never' } }, sample: 1 });
    const gauges = async () => (await (await runner.api('/metrics')).text()).match(/^patchbay_monitor_score\{pipeline="watched",.*$/gm) ?? [];
    expect((await put([monitor('kept'), monitor('removed'), monitor('paused')])).status).toBe(200);
    await runTimes(runner, 'watched', 2);
    await runner.server.monitoring.settled();
    expect(await gauges()).toEqual([
      'patchbay_monitor_score{pipeline="watched",monitor="kept"} 0',
      'patchbay_monitor_score{pipeline="watched",monitor="removed"} 0',
      'patchbay_monitor_score{pipeline="watched",monitor="paused"} 0',
    ]);
    expect((await put([monitor('kept'), { ...monitor('paused'), enabled: false }])).status).toBe(200);
    expect(await gauges()).toEqual(['patchbay_monitor_score{pipeline="watched",monitor="kept"} 0']);
  });

  it('is scraped by a real Prometheus, and patchbay_runs_total reads back through its query API', async () => {
    const prometheus = await startPrometheus(runner.url.replace('http://', ''));
    try {
      let total: number | undefined;
      let more = false;
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const result = await prometheus.query('sum(patchbay_runs_total{pipeline="scraped",status="succeeded"})');
        if (result.length > 0) {
          total = Number(result[0].value[1]);
          if (total === 8) break;
          // Seen once as scraped; three more runs must show up at the next scrape.
          if (total === 5 && !more) {
            more = true;
            await runTimes(runner, 'scraped', 3);
          }
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(total, `target: ${await prometheus.targetHealth()}`).toBe(8);
    } finally {
      await prometheus.stop();
    }
  }, 60_000);
});

describe('GET /metrics with tokens', () => {
  let runner: TestRunner;
  beforeAll(async () => {
    runner = await startTestRunner({ token: 'api-token-12345678', env: { PATCHBAY_METRICS_TOKEN: 'scrape-token-12345678' } });
  });
  afterAll(() => runner.close());

  it('masks a secret that reached a label value, as every answer is masked', async () => {
    // A label is a name checked when saved, but a key can be one too: a label made before the runner had the secret
    // (a label named with one is refused once it has it).
    const secret = 'canary-0123456789abcdef';
    const before = await startTestRunner();
    expect((await before.post('/api/pipelines', echoPipeline('keyed'))).status).toBe(201);
    expect((await before.put(`/api/pipelines/keyed/labels/${secret}`, { version: 1 })).status).toBe(200);
    await before.server.close();
    const masked = await startTestRunner({ dataDir: before.dataDir, env: { SHOP_API_KEY: secret } });
    try {
      expect((await masked.post('/api/pipelines/keyed/run', { label: secret, inputs: { question: 'hi' } })).status).toBe(200);
      const text = await (await masked.api('/metrics')).text();
      expect(text).toMatch(/^patchbay_runs_total\{pipeline="keyed",version="1",label="\[REDACTED\]",source="[a-z]*",status="succeeded"\} 1$/m);
      for (let i = 0; i + 8 <= secret.length; i++) expect(text).not.toContain(secret.slice(i, i + 8));
    } finally {
      await masked.close();
    }
  });

  it('follows the API token, or takes PATCHBAY_METRICS_TOKEN for a scraper', async () => {
    expect((await runner.api('/metrics')).status).toBe(401);
    expect((await runner.api('/metrics', { headers: { authorization: 'Bearer wrong-token-123456' } })).status).toBe(401);
    expect((await runner.api('/metrics', { headers: { authorization: 'Bearer scrape-token-12345678' } })).status).toBe(200);
    expect((await runner.api('/metrics', { headers: { authorization: 'Bearer api-token-12345678' } })).status).toBe(200);
    // The scraper's token reaches /metrics only, not the API.
    expect((await runner.api('/api/pipelines', { headers: { authorization: 'Bearer scrape-token-12345678' } })).status).toBe(401);
  });

  it('refuses a serving key as every route but the serving ones does: 403 naming what it needs, 401 once it is revoked', async () => {
    const admin = { authorization: 'Bearer api-token-12345678' };
    const { key } = await (await runner.post('/api/keys', { name: 'scraper-app' }, admin)).json();
    const asKey = { headers: { authorization: `Bearer ${key}` } };
    const refused = await runner.api('/metrics', asKey);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = await refused.json();
    expect(problem).toMatchObject({ status: 403, type: expect.stringMatching(/forbidden$/) });
    expect(problem.detail).toBe('a serving key reaches only /v1/* and POST /api/pipelines/:name/run; GET /metrics needs the admin token or PATCHBAY_METRICS_TOKEN');
    expect(JSON.stringify(problem)).not.toContain(key);
    expect((await runner.api('/api/keys/scraper-app', { method: 'DELETE', headers: admin })).status).toBe(204);
    const revoked = await runner.api('/metrics', asKey);
    expect(revoked.status).toBe(401);
    expect((await revoked.json()).detail).toBe('this serving key is not valid (unknown or revoked)');
    expect((await runner.api('/metrics', { headers: { authorization: 'Bearer scrape-token-12345678' } })).status).toBe(200);
  });
});
