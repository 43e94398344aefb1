import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-child';
import { echoPipeline, flakyPipeline as flaky, startTestRunner, type TestRunner } from './support/test-runner';
import { startWebhook, type Webhook } from './support/webhook-receiver';

// Runners restart at every deploy. A rule's window held only what this process had seen, so after a
// restart a "last 4 runs" rule was blind for 4 runs, and a rule firing at the stop posted `firing`
// again for the same incident once its new window filled. Windows and states come back from the store.
describe('alert rules across a restart of the runner', () => {
  let dataDir: string;
  let hook: Webhook;
  let runner: TestRunner | undefined;
  const start = async () => (runner = await startTestRunner({ dataDir, webhookBackoffMs: [0], env: {} }));
  const run = async (pipeline: string, question: string) => {
    const res = await runner!.post('/api/runs?stream=true', { pipeline, inputs: { question } });
    await res.text();
    return res.headers.get('x-run-id')!;
  };
  const settle = () => runner!.server.monitoring.settled();
  const posted = (since: number) => hook.received.slice(since).map((a) => `${a.rule} ${a.state}`);

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-alert-restart-'));
    hook = await startWebhook();
  });
  afterAll(async () => {
    await runner?.server.close();
    await hook.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('fills each window with the runs stored before the stop, and does not post a firing rule firing again', async () => {
    await start();
    expect((await runner!.post('/api/pipelines', flaky)).status).toBe(201);
    const rules = [
      { name: 'errors', metric: 'errorRate', window: 4, op: 'above', threshold: 0.5, webhook: hook.url },
      { name: 'burst', metric: 'errorRate', window: 2, op: 'above', threshold: 0.5, webhook: hook.url },
      { name: 'slow', metric: 'p95Ms', window: '1h', op: 'above', threshold: 60_000, webhook: hook.url },
    ];
    expect((await runner!.put('/api/pipelines/flaky/alert-rules', { rules })).status).toBe(200);
    for (const q of ['fail', 'fail', 'fail']) await run('flaky', q);
    await settle();
    // "burst" (2 runs) fires; "errors" (4 runs) has seen 3 and decides nothing yet.
    expect(posted(0)).toEqual(['burst firing']);

    await runner!.server.close();
    await start();
    const before = hook.received.length;
    const last = await run('flaky', 'fail');
    await settle();
    // The 3 failures stored before the stop and this one fill "errors"; "burst" was firing at the stop and still is.
    expect(posted(before)).toEqual(['errors firing']);
    expect(hook.received.at(-1)).toMatchObject({ rule: 'errors', value: 1, window: 4 });
    expect((hook.received.at(-1)!.runs as string[]).length).toBe(4);
    expect((hook.received.at(-1)!.runs as string[]).at(-1)).toBe(last);

    for (const q of ['ok', 'ok']) await run('flaky', q);
    await settle();
    expect(posted(before)).toEqual(['errors firing', 'burst recovered', 'errors recovered']);
  });

  it("fills a monitor's window with the scores stored before the stop", async () => {
    expect((await runner!.post('/api/pipelines', echoPipeline('polite'))).status).toBe(201);
    const monitors = [{ name: 'says-please', scorer: { type: 'regex', params: { pattern: 'please' } }, sample: 1 }];
    expect((await runner!.put('/api/pipelines/polite/monitors', { monitors })).status).toBe(200);
    const rules = [{ name: 'rude', metric: 'monitor:says-please', window: 3, op: 'below', threshold: 0.5, webhook: hook.url }];
    expect((await runner!.put('/api/pipelines/polite/alert-rules', { rules })).status).toBe(200);
    for (const q of ['hello', 'hi']) await run('polite', q);
    await settle();
    const before = hook.received.length;

    await runner!.server.close();
    await start();
    await run('polite', 'hey');
    await settle();
    expect(posted(before)).toEqual(['rude firing']);
    expect(hook.received.at(-1)).toMatchObject({ rule: 'rude', value: 0 });
  });

  it('counts only the runs monitoring sees, and a rule switched off and on again starts from the stored runs too', async () => {
    const rules = [{ name: 'errors', metric: 'errorRate', window: 3, op: 'above', threshold: 0.5, webhook: hook.url }];
    expect((await runner!.put('/api/pipelines/flaky/alert-rules', { rules: [{ ...rules[0], enabled: false }] })).status).toBe(200);
    // Two failures while the rule is off; then, while the runner is stopped, two successful runs of
    // `patchbay run`: stored (source cli), but monitoring never sees them.
    for (const q of ['fail', 'fail']) await run('flaky', q);
    await settle();
    await runner!.server.close();
    for (let i = 0; i < 2; i++) {
      const cli = await runCli(['run', 'flaky@v1', '--data', dataDir, '--input', 'question=ok'], dataDir);
      expect(cli.code, cli.stderr).toBe(0);
    }
    await start();
    expect((await (await runner!.api('/api/runs?pipeline=flaky&source=cli')).json()).length).toBe(2);

    // Switched on, its window holds the two failures (not the CLI's runs): one more run decides it.
    const before = hook.received.length;
    expect((await runner!.put('/api/pipelines/flaky/alert-rules', { rules })).status).toBe(200);
    await run('flaky', 'ok');
    await settle();
    expect(posted(before)).toEqual(['errors firing']);
    expect(hook.received.at(-1)).toMatchObject({ value: 2 / 3 });
  }, 60_000);
});
