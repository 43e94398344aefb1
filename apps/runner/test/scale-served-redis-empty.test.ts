import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, StubGate, type OpenAIStub } from '../../../test/support/openai-stub';
import { echoPipeline, waitForRun } from './support/test-runner';
import { baseEnv, spawnPatchbay, type PatchbayProcess } from './support/patchbay-process';
import { scaleServices } from './support/scale-services';

// A served answer (POST /v1/chat/completions, whole or streamed, and POST /api/pipelines/NAME/run) follows its
// run's events through Redis. A Redis that restarts empty (no persistence) while the run is on a worker loses
// the job and the events: the server stops following, but the worker goes on and records the run. Before, the
// server then answered at once, while the run was still going: 502 run_failed "the run ended without an
// outcome" (a streamed answer ended with that error; /run said `failed`), and the run was recorded `succeeded`
// a moment later. The answer now comes from the run's record once it has ended.
describe('scaled out: a served answer whose run goes on while Redis restarts empty', () => {
  const services = scaleServices();
  let stub: OpenAIStub;
  let dir: string;
  let server: PatchbayProcess & { url: string };
  let worker: PatchbayProcess;
  const gate = new StubGate();
  const api = (p: string, init?: RequestInit) => fetch(`${server.url}${p}`, init);
  const post = (p: string, body: unknown) => api(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    stub = await startOpenAIStub({
      handler: async (req) => {
        await gate.opened();
        return { text: `answer: ${req.body?.messages?.at(-1)?.content}` };
      },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-served-redis-'));
    const env = { ...baseEnv(), STUB_BASE_URL: stub.url, STUB_API_KEY: 'sk-served' };
    const serving = await spawnPatchbay(['serve', '--port', '0', '--data', dir, '--store', services.store, '--queue', services.redis.url, '--no-work'], { ...env, PATCHBAY_DEMO: '0' }, /Patchbay listening on (http:\/\/\S+)/);
    server = { ...serving, url: serving.match[1] };
    worker = await spawnPatchbay(['worker', '--store', services.store, '--queue', services.redis.url, '--concurrency', '4'], env, /taking jobs/);
    expect((await post('/api/pipelines', echoPipeline('qa', 'stub:model'))).status).toBe(201);
    const label = await api('/api/pipelines/qa/labels/production', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 1 }) });
    expect(label.status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    gate.open();
    worker?.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    await stub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("answers with the run as it was recorded: /v1 whole and streamed, /run, and a run's events", async () => {
    const chat = (question: string, stream: boolean) => post('/v1/chat/completions', { model: 'qa', stream, messages: [{ role: 'user', content: question }] });
    const asked = [
      chat('whole', false).then(async (r) => ({ status: r.status, id: r.headers.get('x-run-id'), body: await r.text() })),
      chat('streamed', true).then(async (r) => ({ status: r.status, id: r.headers.get('x-run-id'), body: await r.text() })),
      post('/api/pipelines/qa/run', { inputs: { question: 'served' } }).then(async (r) => ({ status: r.status, id: r.headers.get('x-run-id'), body: await r.text() })),
      post('/api/runs?stream=true', { pipeline: 'qa', inputs: { question: 'events' } }).then(async (r) => ({ status: r.status, id: r.headers.get('x-run-id'), body: await r.text() })),
    ];
    let settled = 0;
    for (const answer of asked) void answer.then(() => settled++);
    // Each run holds its model call on a worker; Redis is then killed and comes back empty.
    await expect.poll(() => stub.requests.length, { timeout: 30_000 }).toBe(4);
    await services.redis.kill();
    await services.redis.start();
    // The runs are still held: an answer given now (before, within ~2 s of Redis being back) says nothing of them.
    const until = Date.now() + 10_000;
    while (settled === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(0);
    gate.open();
    const [whole, streamed, served, events] = await Promise.all(asked);

    expect(whole.status, whole.body).toBe(200);
    expect(JSON.parse(whole.body).choices[0]).toMatchObject({ message: { content: 'answer: whole' }, finish_reason: 'stop' });

    expect(streamed.status).toBe(200);
    const chunks = streamed.body.split('\n\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
    expect(chunks.at(-1)).toBe('[DONE]');
    const parsed = chunks.slice(0, -1).map((c) => JSON.parse(c));
    expect(parsed.some((c) => c.error), streamed.body).toBe(false);
    expect(parsed.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('answer: streamed');
    expect(parsed.at(-1).choices[0].finish_reason).toBe('stop');

    expect(served.status).toBe(200);
    expect(JSON.parse(served.body)).toMatchObject({ status: 'succeeded', outputs: { answer: 'answer: served' } });

    // A run's event stream goes on from the store's copy once the run has ended there.
    expect(events.status).toBe(200);
    const ends = [...events.body.matchAll(/^event: (run\.\w+)$/gm)].map((m) => m[1]);
    expect(ends.at(-1), events.body).toBe('run.completed');

    // What was answered is what was recorded.
    for (const id of [whole.id, streamed.id, JSON.parse(served.body).runId, events.id]) expect((await waitForRun({ api }, id!, 30_000)).status).toBe('succeeded');
  }, 150_000);
});
