// Composed pipelines through the HTTP API: pipeline and map nodes over the store, run from a node, pins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoPipeline, startTestRunner, waitForRun, type TestRunner } from './support/test-runner';

let runner: TestRunner;

beforeAll(async () => {
  runner = await startTestRunner();
  expect((await runner.post('/api/pipelines', echoPipeline('echo'))).status).toBe(201);
});
afterAll(async () => {
  await runner.close();
});

function doc(name: string, nodes: unknown[], edges: string[]) {
  return { format: 'patchbay.pipeline/v1', name, nodes, edges: edges.map((e) => ({ from: e.split('->')[0].trim(), to: e.split('->')[1].trim() })) };
}

async function run(body: unknown) {
  const res = await runner.post('/api/runs', body);
  expect(res.status, await res.clone().text()).toBe(201);
  return waitForRun(runner, (await res.json()).id);
}

const composed = doc(
  'composed',
  [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'list', type: 'input', config: { name: 'questions', valueType: 'json' } },
    { id: 'ask', type: 'pipeline', config: { ref: 'echo@v1' } },
    { id: 'each', type: 'map', config: { ref: 'echo', concurrency: 2 } },
    { id: 'one', type: 'output', config: { name: 'answer' } },
    { id: 'all', type: 'output', config: { name: 'answers' } },
  ],
  ['q.value -> ask.question', 'ask.answer -> one.value', 'list.value -> each.items', 'each.results -> all.value'],
);

describe('pipeline and map nodes over the store', () => {
  it('runs a stored child and a map over it, nesting the child trace and recording what each reference resolved to', async () => {
    const saved = await runner.post('/api/pipelines', composed);
    expect(saved.status).toBe(201);
    expect((await saved.json()).problems).toEqual([]);
    const record = await run({ pipeline: 'composed', inputs: { question: 'hello', questions: ['a', { question: 'b' }] } });
    expect(record.status).toBe('succeeded');
    expect(record.outputs).toEqual({ answer: 'hello', answers: ['a', 'b'] });
    expect(record.resolved).toEqual({ 'echo@v1': { pipeline: 'echo', version: 1 }, echo: { pipeline: 'echo', version: 1 } });
    expect(record.nodes.ask.child).toMatchObject({ pipeline: 'echo', version: 1, status: 'succeeded' });
    expect(record.nodes.ask.child.nodes.answer.outputs.text).toBe('hello');
    expect(record.nodes.each.items.map((i: { index: number; status: string }) => [i.index, i.status])).toEqual([[0, 'succeeded'], [1, 'succeeded']]);
    expect(record.nodes.each.usage.totalTokens).toBeGreaterThan(0);
  });

  it('stores a reference that does not resolve, or a cycle, as a problem naming the chain, and refuses to run it', async () => {
    const missing = await runner.post('/api/pipelines', doc('dangling', [{ id: 'p', type: 'pipeline', config: { ref: 'nowhere@v2' } }], []));
    const body = await missing.json();
    expect(body.problems[0]).toMatchObject({ code: 'unresolved-pipeline', path: '$.nodes[0].config.ref' });
    expect(body.problems[0].message).toContain('there is no pipeline "nowhere"');
    const refused = await runner.post('/api/runs', { pipeline: 'dangling' });
    expect(refused.status).toBe(422);

    const calls = (name: string, ref: string) =>
      doc(name, [{ id: 'x', type: 'input', config: { name: 'question' } }, { id: 'p', type: 'pipeline', config: { ref } }, { id: 'o', type: 'output', config: { name: 'answer' } }], ['x.value -> p.question', 'p.answer -> o.value']);
    await runner.post('/api/pipelines', calls('loop-b', 'echo'));
    await runner.post('/api/pipelines', calls('loop-a', 'loop-b'));
    const closing = await runner.post('/api/pipelines/loop-b/versions', { document: calls('loop-b', 'loop-a'), message: 'call a', baseVersion: 1 });
    const problems = (await closing.json()).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toContain('pipelines call each other in a cycle: loop-b → loop-a → loop-b');
  });
});

const chain = (prompt = '{{ t }}', template = 'Q: {{ q }}') =>
  doc(
    'chain',
    [
      { id: 'q', type: 'input', config: { name: 'q', valueType: 'string' } },
      { id: 'up', type: 'template', config: { template } },
      { id: 'say', type: 'llm', config: { model: 'offline:echo', prompt } },
      { id: 'out', type: 'output', config: { name: 'a' } },
    ],
    ['q.value -> up.q', 'up.text -> say.t', 'say.text -> out.value'],
  );

describe('run from a node', () => {
  it('re-runs the node and what is downstream, reusing the recorded outputs upstream, and records it as partial', async () => {
    const first = await run({ document: chain(), inputs: { q: 'one' } });
    expect(first.outputs).toEqual({ a: 'Q: one' });
    const partial = await run({ document: chain('again {{ t }}'), from: { run: first.id, node: 'say' } });
    expect(partial.outputs).toEqual({ a: 'again Q: one' });
    expect(partial.from).toEqual({ run: first.id, node: 'say' });
    expect(partial.inputs).toEqual({ q: 'one' });
    expect(partial.nodes.q).toMatchObject({ status: 'reused', reusedFrom: first.id });
    expect(partial.nodes.up).toMatchObject({ status: 'reused', outputs: { text: 'Q: one' } });
    expect(partial.nodes.up.usage).toBeUndefined();
    expect(partial.nodes.say.status).toBe('succeeded');
    const listed = await (await runner.api('/api/runs?limit=5')).json();
    expect(listed.find((r: { id: string }) => r.id === partial.id).from).toEqual({ run: first.id, node: 'say' });
  });

  it('refuses with 409 naming the changed node when the document differs upstream', async () => {
    const first = await run({ document: chain(), inputs: { q: 'one' } });
    const res = await runner.post('/api/runs', { document: chain('{{ t }}', 'Changed: {{ q }}'), from: { run: first.id, node: 'say' } });
    expect(res.status).toBe(409);
    const problem = await res.json();
    expect(problem).toMatchObject({ status: 409, type: expect.stringContaining('changed-upstream'), node: 'up' });
    expect(problem.detail).toContain('node "up" upstream of "say" differs');
    expect((await runner.post('/api/runs', { document: chain(), from: { run: 'no-such-run', node: 'say' } })).status).toBe(404);
    expect((await runner.post('/api/runs', { document: chain(), from: { run: first.id, node: 'ghost' } })).status).toBe(422);
  });

  it('re-runs an input whose value changed, and what hangs off it', async () => {
    const first = await run({ document: chain(), inputs: { q: 'one' } });
    const partial = await run({ document: chain(), from: { run: first.id, node: 'say' }, inputs: { q: 'two' } });
    expect(partial.outputs).toEqual({ a: 'Q: two' });
    expect(partial.nodes.up.status).toBe('succeeded');
  });
});

describe('pins', () => {
  it('uses a pinned output instead of running the node in an editor run', async () => {
    const record = await run({ document: chain(), inputs: { q: 'one' }, pins: { say: { text: 'pinned answer' } } });
    expect(record.outputs).toEqual({ a: 'pinned answer' });
    expect(record.nodes.say).toMatchObject({ status: 'reused', pinned: true });
  });

  it('refuses a pin naming an output the node does not have (a typo ran as an empty success)', async () => {
    const typo = await runner.post('/api/runs', { document: chain(), inputs: { q: 'one' }, pins: { say: { txt: 'pinned answer' } } });
    expect(typo.status).toBe(422);
    const problem = await typo.json();
    expect(problem).toMatchObject({ type: expect.stringContaining('unknown-pinned-output') });
    expect(problem.detail).toBe('$.pins.say.txt: node "say" has no output "txt" (its outputs: text, usage)');
    expect(problem.errors).toEqual([{ path: '$.pins.say.txt', message: 'node "say" has no output "txt"' }]);
    // An output node has no outputs to pin: it is what the run returns.
    const output = await runner.post('/api/runs', { document: chain(), inputs: { q: 'one' }, pins: { out: { value: 'x' } } });
    expect(output.status).toBe(422);
    expect((await output.json()).detail).toBe('$.pins.out.value: node "out" has no output "value" (it has no outputs)');
  });

  it('are never part of a version, and runs of a version never take them', async () => {
    const withPins = { ...chain(), name: 'saved-chain', pins: { say: { text: 'x' } }, nodes: chain().nodes.map((n) => ({ ...(n as object), pinned: { text: "x" } })) };
    expect((await runner.post('/api/pipelines', withPins)).status).toBe(201);
    const version = await (await runner.api('/api/pipelines/saved-chain/versions/1')).json();
    expect(JSON.stringify(version.document)).not.toMatch(/"pin/);
    const refused = await runner.post('/api/runs', { pipeline: 'saved-chain', inputs: { q: 'one' }, pins: { say: { text: 'x' } } });
    expect(refused.status).toBe(400);
    const record = await run({ pipeline: 'saved-chain', inputs: { q: 'one' } });
    expect(record.nodes.say.status).toBe('succeeded');
    expect(record.outputs).toEqual({ a: 'Q: one' });
  });
});

describe('GET /api/pipeline-refs/:ref', () => {
  it('answers the version a reference resolves to with its ports, or 404 saying why', async () => {
    const res = await runner.api('/api/pipeline-refs/echo@v1');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ ref: 'echo@v1', name: 'echo', version: 1, inputs: [{ name: 'question', type: 'string', required: true }], outputs: [{ name: 'answer', type: 'any' }] });
    const missing = await runner.api('/api/pipeline-refs/echo@v9');
    expect(missing.status).toBe(404);
    expect((await missing.json()).detail).toContain('has no version 9');
    // A number past what a double holds exactly is named as written, not as the number it rounds to.
    for (const digits of ['99999999999999999999', '9007199254740993']) {
      const huge = await runner.api(`/api/pipeline-refs/echo@v${digits}`);
      expect(huge.status).toBe(404);
      expect((await huge.json()).detail).toBe(`pipeline "echo" has no version ${digits} (latest is 1)`);
    }
    expect((await runner.api('/api/pipeline-refs/echo@production')).status).toBe(404);
    // A version spelt another way is no reference, as a node's config.ref says: 400 on the path, as V1 or v1.0 are.
    const spelt = await runner.api('/api/pipeline-refs/echo@v01');
    expect(spelt.status).toBe(400);
    expect((await spelt.json()).errors).toEqual([{ path: 'path.ref', message: '"echo@v01" is not how a version is written: version 1 is "echo@v1"' }]);
    // echo@1, the CLI's version 1, is never a label "1" here: named as the version it is.
    const digits = await runner.api('/api/pipeline-refs/echo@1');
    expect(digits.status).toBe(400);
    expect((await digits.json()).errors).toEqual([{ path: 'path.ref', message: '"echo@1" is not how a version is written: version 1 is "echo@v1"' }]);
  });
});
