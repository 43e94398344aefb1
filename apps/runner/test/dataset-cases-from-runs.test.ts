import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestRunner, type TestRunner } from './support/test-runner';

// POST /api/datasets/:name/cases needs each run's pipeline, status, inputs and outputs. It read each run whole, one
// at a time: with 1,000 runs of ~100 KB values that was every node's trace, the events and every value the run
// kept (its intermediate ones too), 1,000 reads of 4 queries. The store's inputsAndOutputs reads the runs at once.

/** input → transform (upper case) → llm (offline:echo) → output: the transform's value is the run's own, in no case. */
const summarise = {
  format: 'patchbay.pipeline/v1',
  name: 'summarise',
  nodes: [
    { id: 'q', type: 'input', config: { name: 'document', valueType: 'string' } },
    { id: 'clean', type: 'transform', config: { expression: '$uppercase($)' } },
    { id: 'llm', type: 'llm', config: { model: 'offline:echo', prompt: 'Summarise:\n{{ text }}' } },
    { id: 'out', type: 'output', config: { name: 'summary' } },
  ],
  edges: [
    { from: 'q.value', to: 'clean.value' },
    { from: 'clean.value', to: 'llm.text' },
    { from: 'llm.text', to: 'out.value' },
  ],
};

const LONG = (i: number) => `document ${i} ${'words of a long text '.repeat(5_000)}end`;

let runner: TestRunner;
const run = async (document: unknown) => {
  const res = await runner.post('/api/runs?stream=true', { pipeline: 'summarise', inputs: { document } });
  await res.text();
  return res.headers.get('x-run-id')!;
};

beforeAll(async () => {
  runner = await startTestRunner();
  expect((await runner.post('/api/pipelines', summarise)).status).toBe(201);
}, 30_000);
afterAll(() => runner?.close());

describe('POST /api/datasets/:name/cases', () => {
  it("reads the runs' inputs and outputs at once, never a run whole, and makes the cases a whole read would", async () => {
    // Long values (kept once by the store), a short one, and one that looks like the store's reference.
    const ids = [await run(LONG(0)), await run('short'), await run(LONG(1)), 'lookalike'];
    const store = runner.server.store.runs;
    store.begin({ id: 'lookalike', pipeline: 'summarise', version: 1, document: null, inputs: { document: { $patchbayValue: 'not a reference' } }, startedAt: Date.now(), owner: 'elsewhere:1' });
    store.finish({ id: 'lookalike', status: 'succeeded', outputs: { summary: LONG(2) }, error: null, failedNode: null, durationMs: 1, nodes: {}, events: [] });
    const whole = vi.spyOn(runner.server.store.runs, 'get');
    const light = vi.spyOn(runner.server.store.runs, 'inputsAndOutputs');
    try {
      const res = await runner.post('/api/datasets/long/cases', { fromRuns: ids, expected: 'output' });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(201);
      expect(body).toMatchObject({ caseCount: 4, added: 4, skipped: 0 });
      expect(whole).not.toHaveBeenCalled();
      expect(light).toHaveBeenCalledTimes(1);
    } finally {
      whole.mockRestore();
      light.mockRestore();
    }
    const dataset = await (await runner.api('/api/datasets/long')).json();
    const expected = await Promise.all(
      ids.map(async (id) => {
        const r = await (await runner.api(`/api/runs/${id}`)).json();
        return { id: `run-${id}`, input: r.inputs, expected: r.outputs.summary, metadata: { fromRun: id, pipeline: 'summarise', version: 1 } };
      }),
    );
    expect(dataset.cases).toEqual(expected);
    expect(dataset.cases[0].input.document).toBe(LONG(0));
    expect(dataset.cases[0].expected).toBe(`Summarise:\n${LONG(0).toUpperCase()}`);
    expect(dataset.cases[3].input.document).toEqual({ $patchbayValue: 'not a reference' });
  });

  it('refuses the first run in the order given that is missing or still running, as before', async () => {
    const done = await run('done');
    runner.server.store.runs.begin({ id: 'still-going', pipeline: 'summarise', version: 1, document: null, inputs: { document: 'x' }, startedAt: Date.now(), owner: 'elsewhere:1' });
    const missingFirst = await runner.post('/api/datasets/order/cases', { fromRuns: [done, 'nope', 'still-going'] });
    expect(missingFirst.status).toBe(404);
    expect(await missingFirst.json()).toMatchObject({ detail: 'there is no run "nope" ($.fromRuns[1])', errors: [{ path: '$.fromRuns[1]', message: 'no such run' }] });
    const runningFirst = await runner.post('/api/datasets/order/cases', { fromRuns: [done, 'still-going', 'nope'] });
    expect(runningFirst.status).toBe(400);
    expect(await runningFirst.json()).toMatchObject({ detail: 'run "still-going" has not finished ($.fromRuns[1])', errors: [{ path: '$.fromRuns[1]', message: 'still running' }] });
    expect((await runner.api('/api/datasets/order')).status).toBe(404);
  });

  it('takes 1,000 runs (one given twice, one already a case) in one request', async () => {
    const first = await run('first');
    expect((await runner.post('/api/datasets/many/cases', { fromRuns: [first] })).status).toBe(201);
    // Written through the store (as a run writes itself), to be quick.
    const ids = [first];
    const store = runner.server.store.runs;
    for (let i = 0; i < 998; i++) {
      const id = `stored-${i}`;
      store.begin({ id, pipeline: 'summarise', version: 1, document: null, inputs: { document: `question ${i}` }, startedAt: Date.now(), owner: 'elsewhere:1' });
      store.finish({ id, status: 'succeeded', outputs: { summary: `answer ${i}` }, error: null, failedNode: null, durationMs: 1, nodes: {}, events: [] });
      ids.push(id);
    }
    ids.push(ids[1]);
    const res = await runner.post('/api/datasets/many/cases', { fromRuns: ids });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ caseCount: 999, added: 998, skipped: 0 });
    const dataset = await (await runner.api('/api/datasets/many')).json();
    expect(dataset.cases.map((c: { id: string }) => c.id)).toEqual(ids.slice(0, 999).map((id) => `run-${id}`));
    expect(dataset.cases[998].input).toEqual({ document: 'question 997' });
  }, 60_000);
});
