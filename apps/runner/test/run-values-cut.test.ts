import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allSseEvents, startTestRunner, waitForRun, type TestRunner } from './support/test-runner';

// A run carries one value at every place it passes: the run's inputs and outputs and each node's trace inputs and
// outputs, and the same again in its events. A value of megabytes made GET /api/runs/:id tens of megabytes; ?cut=N
// gives each such value longer than N as a placeholder, and GET /api/runs/:id/values/:hash gives the whole value.
const MB = 1_000_000;
const LONG = `start "quoted" ${'x'.repeat(4.5 * MB)} end`;
const DOC = { answer: LONG, n: 1 };

/** question → echo (text) → answer; question → transform (an object holding it) → doc. */
const pipeline = {
  format: 'patchbay.pipeline/v1',
  name: 'big',
  nodes: [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'echo', type: 'llm', config: { model: 'offline:echo', prompt: '{{ question }}' } },
    { id: 'wrap', type: 'transform', config: { expression: '{"answer": $, "n": 1}' } },
    { id: 'answer', type: 'output', config: { name: 'answer' } },
    { id: 'doc', type: 'output', config: { name: 'doc' } },
  ],
  edges: [
    { from: 'q.value', to: 'echo.question' },
    { from: 'q.value', to: 'wrap.value' },
    { from: 'echo.text', to: 'answer.value' },
    { from: 'wrap.value', to: 'doc.value' },
  ],
};

let runner: TestRunner;
let id: string;

beforeAll(async () => {
  runner = await startTestRunner();
  expect((await runner.post('/api/pipelines', pipeline)).status).toBe(201);
  id = (await (await runner.post('/api/runs', { pipeline: 'big', inputs: { question: LONG } })).json()).id;
  expect((await waitForRun(runner, id, 30_000)).status).toBe('succeeded');
}, 60_000);
afterAll(() => runner?.close());

interface Cut {
  $patchbayCut: { hash: string; type: 'string' | 'json'; chars: number; preview: string };
}

describe('GET /api/runs/:id?cut=N', () => {
  it('answers without the cut as before: every place holds the whole value', async () => {
    const res = await runner.api(`/api/runs/${id}`);
    const text = await res.text();
    expect(text.length).toBeGreaterThan(6 * LONG.length);
    const run = JSON.parse(text);
    expect(run.inputs.question).toBe(LONG);
    expect(run.outputs).toEqual({ answer: LONG, doc: DOC });
  });

  it('gives each value longer than N as a placeholder: its hash, type, length and first N characters', async () => {
    const res = await runner.api(`/api/runs/${id}?cut=100`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.length).toBeLessThan(10_000);
    const run = JSON.parse(text);
    const question = run.inputs.question as Cut;
    expect(question.$patchbayCut).toEqual({ hash: expect.stringMatching(/^[0-9a-f]{64}$/), type: 'string', chars: LONG.length, preview: LONG.slice(0, 100) });
    // The same value has the same hash wherever it is; an object is cut as its JSON text.
    expect(run.outputs.answer).toEqual(question);
    expect(run.nodes.echo.inputs.question).toEqual(question);
    expect(run.nodes.echo.outputs.text).toEqual(question);
    const doc = run.outputs.doc as Cut;
    expect(doc.$patchbayCut).toMatchObject({ type: 'json', chars: JSON.stringify(DOC).length, preview: JSON.stringify(DOC).slice(0, 100) });
    expect(run.nodes.wrap.outputs.value).toEqual(doc);
    // Values of N characters or fewer, and the rest of the record, are as they were.
    expect(run.nodes.echo.outputs.usage).toEqual(expect.any(Object));
    expect(run.status).toBe('succeeded');
  });

  it('gives the events with the same placeholders', async () => {
    const res = await runner.api(`/api/runs/${id}/events?cut=100`);
    expect(res.status).toBe(200);
    const events = (await allSseEvents(res)).map((e) => JSON.parse(e.data));
    const bytes = events.reduce((n, e) => n + JSON.stringify(e).length, 0);
    expect(bytes).toBeLessThan(20_000);
    const started = events.find((e) => e.type === 'run.started');
    const completed = events.find((e) => e.type === 'run.completed');
    const echoed = events.find((e) => e.type === 'node.completed' && e.nodeId === 'echo');
    expect(started.inputs.question.$patchbayCut).toMatchObject({ type: 'string', chars: LONG.length });
    expect(completed.outputs.answer).toEqual(started.inputs.question);
    expect(echoed.trace.outputs.text).toEqual(started.inputs.question);
    expect(completed.outputs.doc.$patchbayCut.type).toBe('json');
  });

  it('cuts the events of a run started with ?stream=true&cut=N', async () => {
    const res = await runner.post('/api/runs?stream=true&cut=100', { pipeline: 'big', inputs: { question: LONG } });
    expect(res.status).toBe(200);
    const events = (await allSseEvents(res)).map((e) => JSON.parse(e.data));
    expect(events.reduce((n, e) => n + JSON.stringify(e).length, 0)).toBeLessThan(20_000);
    const completed = events.find((e) => e.type === 'run.completed');
    expect(completed.outputs.answer.$patchbayCut).toMatchObject({ type: 'string', chars: LONG.length, preview: LONG.slice(0, 100) });
  });

  it('refuses a cut that is not a whole number of at least 1, naming the parameter', async () => {
    for (const bad of ['0', 'x', '1e3']) {
      const res = await runner.api(`/api/runs/${id}?cut=${bad}`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect((await res.json()).detail).toContain('query.cut');
    }
  });
});

describe('a value shaped like a placeholder', () => {
  // A run's value may itself hold {"$patchbayCut": …} (a pipeline that reads Patchbay's own answers): a reader must
  // never take it for a cut, so it comes cut, however short, and the value route gives it as it was.
  it('is cut however short it is, wherever the key is in it, and given whole by its hash', async () => {
    const lookalike = { wrapped: { $patchbayCut: { hash: 'a'.repeat(64), type: 'string', chars: 3, preview: 'abc' } } };
    const json = {
      format: 'patchbay.pipeline/v1',
      name: 'lookalike',
      nodes: [
        { id: 'q', type: 'input', config: { name: 'question', valueType: 'json' } },
        { id: 'o', type: 'output', config: { name: 'answer' } },
      ],
      edges: [{ from: 'q.value', to: 'o.value' }],
    };
    expect((await runner.post('/api/pipelines', json)).status).toBe(201);
    for (const value of [lookalike, lookalike.wrapped]) {
      const runId = (await (await runner.post('/api/runs', { pipeline: 'lookalike', inputs: { question: value } })).json()).id;
      expect((await waitForRun(runner, runId, 30_000)).status).toBe('succeeded');
      const run = await (await runner.api(`/api/runs/${runId}?cut=10000`)).json();
      const cut = run.inputs.question.$patchbayCut;
      expect(cut).toEqual({ hash: expect.stringMatching(/^[0-9a-f]{64}$/), type: 'json', chars: JSON.stringify(value).length, preview: JSON.stringify(value) });
      expect(cut.hash).not.toBe('a'.repeat(64));
      const whole = await runner.api(`/api/runs/${runId}/values/${cut.hash}`);
      expect(JSON.parse(await whole.text())).toEqual(value);
      // Without ?cut it is as it was.
      expect((await (await runner.api(`/api/runs/${runId}`)).json()).inputs.question).toEqual(value);
    }
  });
});

describe('GET /api/runs/:id/values/:hash', () => {
  it('gives the whole value a placeholder stands for, byte for byte, as JSON', async () => {
    const run = await (await runner.api(`/api/runs/${id}?cut=100`)).json();
    const question = await runner.api(`/api/runs/${id}/values/${run.inputs.question.$patchbayCut.hash}`);
    expect(question.status).toBe(200);
    expect(question.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await question.text()).toBe(JSON.stringify(LONG));
    const doc = await runner.api(`/api/runs/${id}/values/${run.outputs.doc.$patchbayCut.hash}`);
    expect(await doc.text()).toBe(JSON.stringify(DOC));
  });

  it('finds a value cut below the size the store keeps once (any N)', async () => {
    const run = await (await runner.api(`/api/runs/${id}?cut=5`)).json();
    const usage = run.nodes.echo.outputs.usage.$patchbayCut;
    expect(usage.type).toBe('json');
    const res = await runner.api(`/api/runs/${id}/values/${usage.hash}`);
    expect(res.status).toBe(200);
    expect(JSON.parse(await res.text())).toEqual((await (await runner.api(`/api/runs/${id}`)).json()).nodes.echo.outputs.usage);
  });

  it('answers 404 problem+json for a hash the run has no value of, and for a run that does not exist', async () => {
    const unknown = 'a'.repeat(64);
    const res = await runner.api(`/api/runs/${id}/values/${unknown}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await res.json()).detail).toBe(`run "${id}" has no value with hash ${unknown} (path.hash)`);
    const noRun = await runner.api(`/api/runs/nope/values/${unknown}`);
    expect(noRun.status).toBe(404);
    expect((await noRun.json()).detail).toBe('there is no run "nope"');
  });

  it('masks a secret the runner learned after the run was stored, under the hash the store keeps it by too', async () => {
    const secret = 'shop-secret-0123456789abcdef';
    const long = `${'a'.repeat(5000)} ${secret} end`;
    const before = await startTestRunner();
    expect((await before.post('/api/pipelines', pipeline)).status).toBe(201);
    const runId = (await (await before.post('/api/runs', { pipeline: 'big', inputs: { question: long } })).json()).id;
    expect((await waitForRun(before, runId, 30_000)).status).toBe('succeeded');
    // The hash a ?cut answer gave while the runner had no such secret (the editor keeps it in its open run).
    const told = (await (await before.api(`/api/runs/${runId}?cut=100`)).json()).inputs.question.$patchbayCut.hash;
    await before.server.close();
    const after = await startTestRunner({ dataDir: before.dataDir, env: { SHOP_API_KEY: secret } });
    try {
      expect(await (await after.api(`/api/runs/${runId}`)).text()).not.toContain(secret);
      const res = await after.api(`/api/runs/${runId}/values/${told}`);
      const text = await res.text();
      expect(text).not.toContain(secret);
      if (res.status === 200) expect(JSON.parse(text)).toBe((await (await after.api(`/api/runs/${runId}`)).json()).inputs.question);
    } finally {
      await after.close();
    }
  }, 60_000);

  it('refuses a hash that is not one, naming it', async () => {
    const res = await runner.api(`/api/runs/${id}/values/xyz`);
    expect(res.status).toBe(400);
    expect((await res.json()).detail).toContain('hash');
  });
});
