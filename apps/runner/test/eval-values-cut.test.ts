import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';

// An eval's result holds each case's input, expected and outputs whole: 200 cases answering 80 KB each made
// GET /api/evals/:id 20 MB, and the Compare view read two of them. ?cut=N gives each such value longer than N as
// the runs' placeholder; the whole value is its run's (GET /api/runs/{runId}/values/{hash}).
const LONG = (i: number) => `case ${i} ${'word '.repeat(4_000)}end`;
const CASES = [0, 1, 2].map((i) => ({ id: `c${i}`, input: { question: LONG(i) }, expected: `case ${i}` }));
CASES.push({ id: 'short', input: { question: 'hello' }, expected: 'hello' });

let runner: TestRunner;
let evalId: string;

interface Cut {
  $patchbayCut: { hash: string; type: 'string' | 'json'; chars: number; preview: string };
}

beforeAll(async () => {
  runner = await startTestRunner();
  expect((await runner.post('/api/pipelines', echoPipeline('qa'))).status).toBe(201);
  expect((await runner.post('/api/datasets', { name: 'long', cases: CASES })).status).toBe(201);
  const started = await runner.post('/api/evals', { pipeline: 'qa', dataset: 'long', suite: { scorers: [{ name: 'mentions', type: 'contains' }] } });
  evalId = (await started.json()).id;
  for (let i = 0; i < 800; i++) {
    if ((await (await runner.api(`/api/evals/${evalId}`)).json()).status !== 'running') break;
    await new Promise((r) => setTimeout(r, 25));
  }
}, 60_000);
afterAll(() => runner?.close());

const byId = (result: { cases: { id: string }[] }) => Object.fromEntries(result.cases.map((c) => [c.id, c])) as Record<string, any>;

describe('GET /api/evals/:id?cut=N', () => {
  it('answers without the cut as before: every case whole', async () => {
    const result = await (await runner.api(`/api/evals/${evalId}`)).json();
    expect(result.status).toBe('succeeded');
    const cases = byId(result);
    expect(cases.c1.input).toEqual({ question: LONG(1) });
    expect(cases.c1.outputs).toEqual({ answer: LONG(1) });
    expect(cases.c1.scores.mentions.pass).toBe(true);
  });

  it("gives each long input field, expected and output as a placeholder, and the case's run gives it whole", async () => {
    const res = await runner.api(`/api/evals/${evalId}?cut=100`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.length).toBeLessThan(5_000);
    const result = JSON.parse(text);
    expect(result.summary.passed).toBe(4);
    const cases = byId(result);
    const output = cases.c1.outputs.answer as Cut;
    expect(output.$patchbayCut).toMatchObject({ type: 'string', chars: LONG(1).length, preview: LONG(1).slice(0, 100) });
    expect((cases.c1.input.question as Cut).$patchbayCut.hash).toBe(output.$patchbayCut.hash);
    // Short values stay as they are.
    expect(cases.c1.expected).toBe('case 1');
    expect(cases.short).toMatchObject({ input: { question: 'hello' }, outputs: { answer: 'hello' }, expected: 'hello' });
    const whole = await runner.api(`/api/runs/${cases.c1.runId}/values/${output.$patchbayCut.hash}`);
    expect(whole.status).toBe(200);
    expect(await whole.json()).toBe(LONG(1));
  });

  it('refuses a cut that is no whole number of at least 1, naming the parameter', async () => {
    for (const bad of ['0', 'x', '1.5']) {
      const res = await runner.api(`/api/evals/${evalId}?cut=${bad}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain('cut');
    }
  });
});
