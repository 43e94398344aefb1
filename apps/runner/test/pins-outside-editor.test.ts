// Pinned outputs belong to the editor's draft (#17.4): serving, /v1, evals and the CLI never use
// them, whatever a request or a file carries. Each path runs the node a pin names.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, workspace } from './cli-child';
import { startTestRunner, type TestRunner } from './support/test-runner';

let runner: TestRunner;
let ws: ReturnType<typeof workspace>;
const PIN = { say: { text: 'PINNED' } };

/** question → template `Q: {{ question }}` → answer; the pin would make the answer "PINNED". */
const chain = {
  format: 'patchbay.pipeline/v1',
  name: 'chain',
  nodes: [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'say', type: 'template', config: { template: 'Q: {{ question }}' } },
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ],
  edges: [
    { from: 'q.value', to: 'say.question' },
    { from: 'say.text', to: 'out.value' },
  ],
};
/** What an editor draft would look like if its pins were written into the file. */
const pinnedFile = { ...chain, pins: PIN, nodes: chain.nodes.map((n) => (n.id === 'say' ? { ...n, pinned: PIN.say } : n)) };

const json = async (res: Response) => ({ status: res.status, body: await res.json() });

beforeAll(async () => {
  runner = await startTestRunner();
  await runner.deploy(chain);
  expect((await runner.post('/api/datasets', { name: 'qs', cases: [{ id: 'a', input: { question: 'one' }, expected: 'Q: one' }] })).status).toBe(201);
  ws = workspace({ 'pinned.json': pinnedFile, 'suite.json': { format: 'patchbay.eval/v1', dataset: 'cases.jsonl', scorers: [{ name: 'same', type: 'exact' }] } });
  writeFileSync(path.join(ws.dir, 'cases.jsonl'), `${JSON.stringify({ id: 'a', input: { question: 'one' }, expected: 'Q: one' })}\n`);
});
afterAll(async () => {
  await runner.close();
  ws.remove();
});

describe('pins are never used outside the editor', () => {
  it('serving (POST /api/pipelines/:name/run) refuses pins, as an eval does, and runs the pinned node', async () => {
    const refused = await json(await runner.post('/api/pipelines/chain/run', { inputs: { question: 'one' }, pins: PIN }));
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/unknown field "pins"/);
    const served = await json(await runner.post('/api/pipelines/chain/run', { inputs: { question: 'one' } }));
    expect(served).toMatchObject({ status: 200, body: { status: 'succeeded', outputs: { answer: 'Q: one' } } });
    const run = (await json(await runner.api(`/api/runs/${served.body.runId}`))).body;
    expect(run.nodes.say).toMatchObject({ status: 'succeeded' });
    expect(run.nodes.say.pinned).toBeUndefined();
  });

  it('/v1/chat/completions runs the pinned node, whatever extra fields the client sends', async () => {
    const client = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: 'chain', messages: [{ role: 'user', content: 'two' }], pins: PIN } as never);
    expect((reply as OpenAI.ChatCompletion).choices[0].message.content).toBe('Q: two');
  });

  it('an eval through the API refuses pins, and its cases run every node', async () => {
    const refused = await json(await runner.post('/api/evals', { pipeline: 'chain', dataset: 'qs', suite: { scorers: [{ name: 'same', type: 'exact' }] }, pins: PIN }));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('pins');
    const started = await json(await runner.post('/api/evals', { pipeline: 'chain', dataset: 'qs', suite: { scorers: [{ name: 'same', type: 'exact' }] } }));
    expect(started.status).toBe(201);
    let result: any;
    for (let i = 0; i < 400; i++) {
      result = (await json(await runner.api(`/api/evals/${started.body.id}`))).body;
      if (result.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(result.status).toBe('succeeded');
    expect(result.cases.map((c: { outputs: unknown }) => c.outputs)).toEqual([{ answer: 'Q: one' }]);
  });

  it('patchbay run and patchbay eval run a file that carries pins as if it had none', async () => {
    const run = await runCli(['run', 'pinned.json', '--input', 'question=three', '--json'], ws.dir);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.outputs).toEqual({ answer: 'Q: three' });
    expect(result.nodes.say.status).toBe('succeeded');
    const evaluated = await runCli(['eval', 'pinned.json', '--suite', 'suite.json', '--out', 'result.json'], ws.dir);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const out = JSON.parse(readFileSync(path.join(ws.dir, 'result.json'), 'utf8'));
    expect(out.cases.map((c: { outputs: unknown }) => c.outputs)).toEqual([{ answer: 'Q: one' }]);
  }, 120_000);
});
