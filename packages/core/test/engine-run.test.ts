import { describe, expect, it } from 'vitest';
import { PipelineInvalidError, runPipeline } from '../src/index';
import { pipeline, recorder, testNodeTypes } from './engine-fixtures';

const greeting = pipeline(
  [
    { id: 'who', type: 'input', config: { name: 'who', valueType: 'string' } },
    { id: 'greet', type: 'template', config: { template: 'Hello, {{ who }}!' } },
    { id: 'out', type: 'output', config: { name: 'greeting' } },
  ],
  ['who.value -> greet.who', 'greet.text -> out.value'],
);

describe('runPipeline: outputs, events and traces', () => {
  it('returns the outputs by name and emits events in DESIGN.md order', async () => {
    const rec = recorder();
    const result = await runPipeline(greeting, { who: 'Ada' }, { onEvent: rec.onEvent, runId: 'r1' });
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ greeting: 'Hello, Ada!' });
    expect(rec.kinds()).toEqual([
      'run.started',
      'node.started:who',
      'node.completed:who',
      'node.started:greet',
      'node.completed:greet',
      'node.started:out',
      'node.completed:out',
      'run.completed',
    ]);
    expect(rec.events.every((e) => e.runId === 'r1')).toBe(true);
    const last = rec.events.at(-1)!;
    expect(last.type === 'run.completed' && last.outputs).toEqual({ greeting: 'Hello, Ada!' });
  });

  it('records a trace per node: status, inputs, outputs, start, duration, attempts', async () => {
    const before = Date.now();
    const result = await runPipeline(greeting, { who: 'Ada' });
    const greet = result.nodes.greet;
    expect(greet).toMatchObject({ id: 'greet', type: 'template', status: 'succeeded', attempts: 1 });
    expect(greet.inputs).toEqual({ who: 'Ada' });
    expect(greet.outputs).toEqual({ text: 'Hello, Ada!' });
    expect(greet.startedAt).toBeGreaterThanOrEqual(before);
    expect(greet.durationMs).toBeGreaterThanOrEqual(0);
    expect(result.inputs).toEqual({ who: 'Ada' });
    expect(Object.keys(result.nodes)).toEqual(['who', 'greet', 'out']);
  });

  it('streams node.token between node.started and node.completed and sums reported usage and cost', async () => {
    const rec = recorder();
    const doc = pipeline(
      [
        { id: 'talk', type: 'speaker', config: { tokens: ['Hel', 'lo'], costs: [0.25, 0.5] } },
        { id: 'out', type: 'output', config: { name: 'text' } },
      ],
      ['talk.text -> out.value'],
    );
    const result = await runPipeline(doc, {}, { nodeTypes: testNodeTypes(), onEvent: rec.onEvent });
    expect(rec.kinds().slice(0, 5)).toEqual(['run.started', 'node.started:talk', 'node.token:talk', 'node.token:talk', 'node.completed:talk']);
    expect(rec.events.filter((e) => e.type === 'node.token').map((e) => (e as { text: string }).text)).toEqual(['Hel', 'lo']);
    const talk = result.nodes.talk;
    expect(talk.model).toBe('offline:echo');
    expect(talk.usage).toEqual({ promptTokens: 20, completionTokens: 10, totalTokens: 30 });
    expect(talk.costUsd).toBe(0.75);
    expect(talk.calls).toHaveLength(2);
  });

  it('reports the cost as unknown (null) when one call has no price', async () => {
    const doc = pipeline([{ id: 'talk', type: 'speaker', config: { tokens: [], costs: [0.25, null, 0.5] } }]);
    const result = await runPipeline(doc, {}, { nodeTypes: testNodeTypes() });
    expect(result.nodes.talk.costUsd).toBeNull();
    expect(result.nodes.talk.usage?.totalTokens).toBe(45);
  });

  it('keeps running when an event listener throws', async () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args.join(' '));
    try {
      const result = await runPipeline(greeting, { who: 'Ada' }, {
        onEvent: (e) => {
          seen.push(e.type);
          if (e.type === 'node.completed') throw new Error('listener broke');
        },
      });
      expect(result.status).toBe('succeeded');
      expect(result.outputs).toEqual({ greeting: 'Hello, Ada!' });
      expect(seen.at(-1)).toBe('run.completed');
      expect(errors[0]).toMatch(/listener threw on node.completed: listener broke/);
    } finally {
      console.error = original;
    }
  });

  it('coerces values crossing an edge into a string port: numbers, booleans, documents', async () => {
    const doc = pipeline(
      [
        { id: 'n', type: 'input', config: { name: 'n', valueType: 'number' } },
        { id: 'b', type: 'input', config: { name: 'b', valueType: 'boolean' } },
        { id: 'docs', type: 'input', config: { name: 'docs', valueType: 'documents' } },
        { id: 'c1', type: 'capture' },
        { id: 'c2', type: 'capture' },
        { id: 'c3', type: 'capture' },
      ],
      ['n.value -> c1.text', 'n.value -> c1.data', 'b.value -> c2.text', 'docs.value -> c3.text'],
    );
    const docs = [
      { id: 'a', text: 'First.', score: 1 },
      { id: 'b', text: 'Second.', score: 0.5 },
    ];
    const result = await runPipeline(doc, { n: 42, b: false, docs }, { nodeTypes: testNodeTypes() });
    expect(result.status).toBe('succeeded');
    // number → string becomes "42"; the json port takes the number as it is
    expect(result.nodes.c1.outputs?.received).toEqual({ text: '42', data: 42 });
    expect(result.nodes.c2.outputs?.received).toEqual({ text: 'false' });
    expect(result.nodes.c3.outputs?.received).toEqual({ text: 'First.\n\nSecond.' });
  });
});

describe('runPipeline: refusing to run', () => {
  it('throws PipelineInvalidError with every problem of an invalid document', async () => {
    const broken = pipeline(
      [
        { id: 'greet', type: 'template', config: { template: 'Hello, {{ who }}!' } },
        { id: 'mystery', type: 'no-such-type' },
      ],
      [],
    );
    const error = await runPipeline(broken, {}).catch((e) => e);
    expect(error).toBeInstanceOf(PipelineInvalidError);
    const codes = (error as PipelineInvalidError).problems.map((p) => p.code);
    expect(codes).toContain('unknown-node-type');
    expect(codes).toContain('unconnected-template-variable');
  });

  it('throws PipelineInvalidError for a missing or ill-typed input, naming it', async () => {
    const missing = await runPipeline(greeting, {}).catch((e) => e);
    expect(missing).toBeInstanceOf(PipelineInvalidError);
    expect(missing.problems[0]).toMatchObject({ path: '$.inputs.who', code: 'missing-input' });
    const wrong = await runPipeline(greeting, { who: 12 }).catch((e) => e);
    expect(wrong.problems[0]).toMatchObject({ path: '$.inputs.who', code: 'input-type' });
  });

  it('checks node types given by the caller too: unknown type, bad config, cycles', async () => {
    const types = testNodeTypes();
    const badConfig = await runPipeline(pipeline([{ id: 'w', type: 'wait', config: { ms: 'soon' } }]), {}, { nodeTypes: types }).catch((e) => e);
    expect(badConfig.problems[0]).toMatchObject({ path: '$.nodes[0].config.ms', code: 'invalid-config' });
    const loop = pipeline([{ id: 'a', type: 'wait' }, { id: 'b', type: 'wait' }], ['a.value -> b.value', 'b.value -> a.value']);
    const cycle = await runPipeline(loop, {}, { nodeTypes: types }).catch((e) => e);
    expect(cycle).toBeInstanceOf(PipelineInvalidError);
    expect(cycle.problems[0]).toMatchObject({ code: 'cycle', nodes: ['a', 'b'] });
  });

  it('with skipValidation, a cycle fails the run instead of hanging', async () => {
    const loop = pipeline([{ id: 'a', type: 'wait' }, { id: 'b', type: 'wait' }], ['a.value -> b.value', 'b.value -> a.value']);
    const result = await runPipeline(loop, {}, { nodeTypes: testNodeTypes(), skipValidation: true });
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/"a", "b" never became ready/);
  });

  it('refuses a concurrency that is not a positive integer', async () => {
    await expect(runPipeline(greeting, { who: 'x' }, { concurrency: 0 })).rejects.toThrow(/concurrency must be a positive integer/);
  });
});
