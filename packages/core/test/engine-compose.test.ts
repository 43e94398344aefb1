// `pipeline` and `map` nodes in the real engine, with stored pipelines behind a resolver.
import { describe, expect, it } from 'vitest';
import { eventLoopTurnsDuring } from './event-loop-turns';
import { YIELD_EVERY_MS } from '../src/nodes/event-loop-turn';
import { z } from 'zod';
import {
  behaviorHash,
  defineNode,
  nodePorts,
  nodeTypes,
  parsePipelineRef,
  resolvePipelines,
  runPipeline,
  validatePipeline,
  type PipelineDocument,
  type PipelineResolver,
  type ResolvedPipeline,
} from '../src/index';
import { createModelService, createOfflineProvider, createSandbox } from '../src/node/index';

const services = { models: createModelService({ offline: createOfflineProvider() }) };

function doc(name: string, nodes: PipelineDocument['nodes'], edges: string[]): PipelineDocument {
  return { format: 'patchbay.pipeline/v1', name, nodes, edges: edges.map((e) => ({ from: e.split('->')[0].trim(), to: e.split('->')[1].trim() })) };
}

/** Stored versions and labels, as the runner's store answers them. */
function store(pipelines: Record<string, PipelineDocument[]>, labels: Record<string, number> = {}): PipelineResolver {
  return {
    async resolve(ref) {
      const parsed = parsePipelineRef(ref);
      const versions = parsed && pipelines[parsed.name];
      if (!parsed || !versions) return { error: `there is no pipeline "${parsed?.name ?? ref}"` };
      let version = versions.length;
      if (parsed.kind === 'version') version = parsed.version;
      if (parsed.kind === 'label') {
        if (!(ref in labels)) return { error: `pipeline "${parsed.name}" has no label "${parsed.label}"` };
        version = labels[ref];
      }
      const document = versions[version - 1];
      if (!document) return { error: `pipeline "${parsed.name}" has no version ${version}` };
      const found: ResolvedPipeline = { name: parsed.name, version, document, ...(parsed.kind === 'label' ? { label: parsed.label } : {}) };
      return found;
    },
  };
}

const shout = doc(
  'shout',
  [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'tone', type: 'input', config: { name: 'tone', valueType: 'string', default: 'calm' } },
    { id: 'say', type: 'llm', config: { model: 'offline:echo', prompt: '{{ q }} ({{ tone }})' } },
    { id: 'a', type: 'output', config: { name: 'answer' } },
  ],
  ['q.value -> say.q', 'tone.value -> say.tone', 'say.text -> a.value'],
);
const shoutV2 = { ...shout, nodes: shout.nodes.map((n) => (n.id === 'say' ? { ...n, config: { ...n.config, prompt: 'v2: {{ q }} ({{ tone }})' } } : n)) };

const parent = (ref: string) =>
  doc(
    'parent',
    [
      { id: 'in', type: 'input', config: { name: 'question', valueType: 'string' } },
      { id: 'ask', type: 'pipeline', config: { ref } },
      { id: 'out', type: 'output', config: { name: 'answer' } },
    ],
    ['in.value -> ask.question', 'ask.answer -> out.value'],
  );

describe('pipeline node', () => {
  it('takes its ports from the referenced version and runs it with the trace nested', async () => {
    const resolver = store({ shout: [shout, shoutV2] }, { 'shout@production': 1 });
    const lookup = await resolvePipelines(parent('shout@production'), resolver);
    expect(nodePorts({ type: 'pipeline', config: { ref: 'shout@production' } }, lookup)).toEqual({
      inputs: [
        { name: 'question', type: 'string', required: true },
        { name: 'tone', type: 'string', required: false },
      ],
      outputs: [{ name: 'answer', type: 'any' }],
    });
    expect(validatePipeline(parent('shout@production'), { pipelines: lookup }).problems).toEqual([]);
    expect(lookup.record()).toEqual({ 'shout@production': { pipeline: 'shout', version: 1, label: 'production' } });

    const result = await runPipeline(parent('shout@production'), { question: 'hi' }, { services: { ...services, pipelines: resolver } });
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ answer: 'hi (calm)' });
    expect(result.resolved).toEqual({ 'shout@production': { pipeline: 'shout', version: 1, label: 'production' } });
    const child = result.nodes.ask.child!;
    expect(child).toMatchObject({ ref: 'shout@production', pipeline: 'shout', version: 1, label: 'production', status: 'succeeded' });
    expect(child.nodes.say.outputs?.text).toBe('hi (calm)');
    expect(result.nodes.ask.usage?.totalTokens).toBe(child.nodes.say.usage?.totalTokens);

    const latest = await runPipeline(parent('shout'), { question: 'hi' }, { services: { ...services, pipelines: resolver } });
    expect(latest.outputs).toEqual({ answer: 'v2: hi (calm)' });
    expect(latest.nodes.ask.child?.version).toBe(2);
  });

  it('reports a reference that does not resolve, and a cycle of pipelines naming the chain', async () => {
    const missing = await resolvePipelines(parent('nope@v3'), store({}));
    const problems = validatePipeline(parent('nope@v3'), { pipelines: missing }).problems;
    expect(problems.map((p) => [p.code, p.path])).toContainEqual(['unresolved-pipeline', '$.nodes[1].config.ref']);
    expect(problems[0].message).toContain('there is no pipeline "nope"');

    const a = { ...parent('b'), name: 'a' };
    const b = { ...parent('a'), name: 'b' };
    const resolver = store({ a: [a], b: [b] });
    const cycle = validatePipeline(a, { pipelines: await resolvePipelines(a, resolver) }).problems;
    expect(cycle).toHaveLength(1);
    expect(cycle[0].code).toBe('unresolved-pipeline');
    expect(cycle[0].message).toContain('pipelines call each other in a cycle: a → b → a');
    await expect(runPipeline(a, { question: 'x' }, { services: { ...services, pipelines: resolver } })).rejects.toThrow(/cycle: a → b → a/);

    expect(validatePipeline(parent('shout')).problems[0].message).toContain('no pipeline store was given');
  });

  it('refuses a chain nested past the depth limit before running, naming it on the top node', async () => {
    // deep0 is a plain child; deepN calls deep(N-1). Each one alone is fine; deep20 calls 20 levels down.
    const chain: Record<string, PipelineDocument[]> = { deep0: [{ ...shout, name: 'deep0' }] };
    for (let i = 1; i <= 20; i++) chain[`deep${i}`] = [{ ...parent(`deep${i - 1}`), name: `deep${i}` }];
    const top = chain.deep20[0];
    const resolver = store(chain);
    const problems = validatePipeline(top, { pipelines: await resolvePipelines(top, resolver) }).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'unresolved-pipeline', path: '$.nodes[1].config.ref' });
    expect(problems[0].message).toContain('pipelines nest deeper than 16 levels: deep20 → deep19 →');
    await expect(runPipeline(top, { question: 'x' }, { services: { ...services, pipelines: resolver } })).rejects.toThrow(/nest deeper than 16 levels/);
  });

  it('reads a version only as written plainly (v1): another spelling of it is a problem on the node naming the one to write', async () => {
    expect(parsePipelineRef('shout@v1')).toEqual({ name: 'shout', kind: 'version', version: 1 });
    expect(parsePipelineRef('shout@v0')).toEqual({ name: 'shout', kind: 'version', version: 0 });
    expect(parsePipelineRef('shout@v01')).toBeUndefined();
    // NAME@1 is version 1 in the CLI; no label is all digits, so here it is version 1 written another way.
    expect(parsePipelineRef('shout@1')).toBeUndefined();
    const resolver = store({ shout: [shout, shoutV2] });
    for (const [ref, named] of [
      ['shout@v01', 'version 1 is "shout@v1"'],
      ['shout@v002', 'version 2 is "shout@v2"'],
      ['shout@v00', 'versions count from v1'],
      ['shout@1', 'version 1 is "shout@v1"'],
      ['shout@02', 'version 2 is "shout@v2"'],
    ]) {
      const problems = validatePipeline(parent(ref), { pipelines: await resolvePipelines(parent(ref), resolver) }).problems;
      expect(problems).toEqual([
        { code: 'invalid-config', path: '$.nodes[1].config.ref', nodes: ['ask'], message: `node "ask": config.ref: "${ref}" is not how a version is written: ${named}` },
      ]);
      await expect(runPipeline(parent(ref), { question: 'hi' }, { services: { ...services, pipelines: resolver } })).rejects.toThrow(named);
    }
    const mapped = validatePipeline(mapOver({ ref: 'shout@v01' }), { pipelines: await resolvePipelines(mapOver({ ref: 'shout@v01' }), resolver) }).problems;
    expect(mapped).toEqual([expect.objectContaining({ path: '$.nodes[1].config.ref', message: 'node "each": config.ref: "shout@v01" is not how a version is written: version 1 is "shout@v1"' })]);
  });

  it('changes the behaviour hash when the pinned child version changes', () => {
    expect(behaviorHash(parent('shout@v1'))).not.toBe(behaviorHash(parent('shout@v2')));
  });
});

// A child whose one node waits `ms` (from the item) and counts how many run at once.
function delayTypes() {
  const seen = { running: 0, max: 0 };
  const delay = defineNode<Record<string, never>>({
    type: 'delay',
    title: 'Delay',
    description: 'waits value.ms',
    category: 'logic',
    configSchema: z.object({}) as never,
    inputs: () => [{ name: 'value', type: 'any' }],
    outputs: () => [{ name: 'value', type: 'any' }],
    async run(inputs) {
      seen.running++;
      seen.max = Math.max(seen.max, seen.running);
      const item = inputs.value as { ms: number; id: string };
      await new Promise((r) => setTimeout(r, item.ms));
      seen.running--;
      if (item.id === 'bad') throw new Error('bad item');
      return { value: item.id };
    },
  });
  return { seen, types: { ...nodeTypes, delay } };
}

const slowChild = doc(
  'slow',
  [
    { id: 'x', type: 'input', config: { name: 'x', valueType: 'json' } },
    { id: 'd', type: 'delay', config: {} },
    { id: 'o', type: 'output', config: { name: 'id' } },
  ],
  ['x.value -> d.value', 'd.value -> o.value'],
);

const mapOver = (config: Record<string, unknown>) =>
  doc(
    'mapper',
    [
      { id: 'list', type: 'input', config: { name: 'items', valueType: 'json' } },
      { id: 'each', type: 'map', config },
      { id: 'out', type: 'output', config: { name: 'results' } },
    ],
    ['list.value -> each.items', 'each.results -> out.value'],
  );

describe('map node', () => {
  it('runs a stored pipeline per item, a bounded number at once, results in input order', async () => {
    const { seen, types } = delayTypes();
    const items = [30, 5, 20, 1, 10, 2, 15].map((ms, i) => ({ ms, id: `i${i}` }));
    const result = await runPipeline(mapOver({ ref: 'slow@v1', concurrency: 3 }), { items }, { nodeTypes: types, services: { pipelines: store({ slow: [slowChild] }) } });
    expect(result.status).toBe('succeeded');
    expect(result.outputs.results).toEqual(items.map((item) => item.id));
    expect(seen.max).toBe(3);
    expect(result.nodes.each.items!.map((t) => [t.index, t.status])).toEqual(items.map((_, i) => [i, 'succeeded']));
  });

  it('feeds a one-input pipeline the whole item and sums the items\' tokens', async () => {
    const result = await runPipeline(mapOver({ ref: 'shout' }), { items: ['a', { question: 'b', tone: 'loud' }] }, { services: { ...services, pipelines: store({ shout: [shout] }) } });
    expect(result.error).toBeUndefined();
    expect(result.outputs.results).toEqual(['a (calm)', 'b (loud)']);
    const items = result.nodes.each.items!;
    expect(result.nodes.each.usage?.totalTokens).toBe(items[0].tokens! + items[1].tokens!);
  });

  it('fails, skips or collects failed items as onError says', async () => {
    const expression = '$ = 2 ? $error("two is bad") : $ * 10';
    const items = [1, 2, 3];
    const failed = await runPipeline(mapOver({ expression }), { items });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/item 1 failed: .*two is bad/);
    const skipped = await runPipeline(mapOver({ expression, onError: 'skip' }), { items });
    expect(skipped.outputs.results).toEqual([10, 30]);
    const collected = await runPipeline(mapOver({ expression, onError: 'collect' }), { items });
    expect(collected.outputs.results).toEqual([{ ok: true, value: 10 }, { ok: false, error: expect.stringContaining('two is bad') }, { ok: true, value: 30 }]);
    expect(collected.nodes.each.items!.map((t) => t.status)).toEqual(['succeeded', 'failed', 'succeeded']);
  });

  it('stops the other items of a failing pipeline body (onError fail)', async () => {
    const { types } = delayTypes();
    const items = [{ ms: 1, id: 'bad' }, { ms: 200, id: 'slow' }];
    const result = await runPipeline(mapOver({ ref: 'slow', concurrency: 2 }), { items }, { nodeTypes: types, services: { pipelines: store({ slow: [slowChild] }) } });
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/item 0 failed: .*bad item/);
    expect(result.nodes.each.items!.map((t) => t.status)).toEqual(['failed', 'cancelled']);
  });

  it('runs template and JSONata bodies, and refuses more than maxItems', async () => {
    const template = await runPipeline(mapOver({ expression: '{{ index }}: {{ name }}', language: 'template' }), { items: [{ name: 'ada' }, { name: 'bob' }] });
    expect(template.outputs.results).toEqual(['0: ada', '1: bob']);
    const tooMany = await runPipeline(mapOver({ expression: '$', maxItems: 2 }), { items: [1, 2, 3] });
    expect(tooMany.status).toBe('failed');
    expect(tooMany.error).toContain('items has 3 entries, more than maxItems (2); raise maxItems (at most 100000) or split the list');
    // maxItems cannot go past 100,000: there is nothing to raise
    const overTheTop = await runPipeline(mapOver({ expression: '$', maxItems: 100_000 }), { items: new Array(100_001).fill(1) });
    expect(overTheTop.error).toContain('items has 100001 entries, more than maxItems (100000), its most; split the list');
    expect(validatePipeline(mapOver({})).problems[0].message).toContain('give either "ref"');
  });

  it('gives a code body its 1 s per item for its own work: waiting behind the map\'s other items for a sandbox worker does not count', async () => {
    // One worker, 64 items at once, ~20 ms each: the last of them waits over a second before it starts.
    const sandbox = createSandbox({ workers: 1 });
    try {
      const expression = 'const until = Date.now() + 20; while (Date.now() < until) {} return value * 2';
      const items = Array.from({ length: 100 }, (_, i) => i);
      const result = await runPipeline(mapOver({ expression, language: 'code', concurrency: 64 }), { items }, { services: { sandbox } });
      expect(result.error).toBeUndefined();
      expect((result.outputs.results as number[]).slice(-2)).toEqual([196, 198]);
      // the node's own time limit still holds, waits included
      const limited = doc('limited', [...mapOver({}).nodes.map((n) => (n.id === 'each' ? { ...n, config: { expression, language: 'code', concurrency: 64 }, timeoutMs: 300 } : n))], ['list.value -> each.items', 'each.results -> out.value']);
      const stopped = await runPipeline(limited, { items }, { services: { sandbox } });
      expect(stopped.error).toMatch(/node "each" timed out after 300 ms/);
    } finally {
      await sandbox.close();
    }
  });

  // Items that finish without a macrotask yield on the shared clock every YIELD_EVERY_MS of wall time, so how
  // many turns the loop takes depends on how long the items ran: a fast machine ran 20,000 in ~100 ms, 5 turns.
  // One turn per 5 × YIELD_EVERY_MS on average is far below what yielding gives (one per 20–40 ms under
  // load) and far above what a held loop gives (1–2 whatever the length).
  const atLeastTurnsFor = (ms: number) => Math.max(3, Math.floor(ms / (5 * YIELD_EVERY_MS)));

  it('maps a JSONata body over 50,000 items without a false timeout and without holding the event loop', async () => {
    // A wall-clock limit per item counted the time it waited behind the other items (item 0 failed
    // 'Evaluation timeout after 1000 milliseconds'), and the loop over items never yielded.
    const items = Array.from({ length: 50_000 }, (_, i) => i);
    const { result, turns, ms } = await eventLoopTurnsDuring(() => runPipeline(mapOver({ expression: '$ * 2', concurrency: 64, maxItems: 50_000 }), { items }));
    expect(result.error).toBeUndefined();
    expect((result.outputs.results as number[]).slice(-2)).toEqual([99_996, 99_998]);
    expect(turns).toBeGreaterThanOrEqual(atLeastTurnsFor(ms));
  });

  it('maps a template body over 50,000 items without holding the event loop', async () => {
    // A Liquid render settles as promise continuations only: the map's own yield is all that lets the loop turn.
    const items = Array.from({ length: 50_000 }, (_, i) => i);
    const body = { language: 'template', expression: 'n{{ item }}', concurrency: 64, maxItems: 50_000 };
    const { result, turns, ms } = await eventLoopTurnsDuring(() => runPipeline(mapOver(body), { items }));
    expect(result.error).toBeUndefined();
    expect((result.outputs.results as string[]).slice(-1)).toEqual(['n49999']);
    expect(turns).toBeGreaterThanOrEqual(atLeastTurnsFor(ms));
  });
});

describe('reused nodes', () => {
  it('does not run reused nodes, feeds their outputs on, and skips what only they need', async () => {
    const d = doc(
      'reuse',
      [
        { id: 'q', type: 'input', config: { name: 'q', valueType: 'string' } },
        { id: 'up', type: 'template', config: { template: 'UP {{ q }}' } },
        { id: 'say', type: 'llm', config: { model: 'offline:echo', prompt: '{{ t }}' } },
        { id: 'out', type: 'output', config: { name: 'a' } },
      ],
      ['q.value -> up.q', 'up.text -> say.t', 'say.text -> out.value'],
    );
    const result = await runPipeline(d, { q: 'x' }, { services, reuse: { say: { outputs: { text: 'pinned!', usage: null }, pinned: true } } });
    expect(result.outputs).toEqual({ a: 'pinned!' });
    expect(result.nodes.say).toMatchObject({ status: 'reused', pinned: true, outputs: { text: 'pinned!' } });
    expect(result.nodes.up.status).toBe('skipped');
    expect(result.nodes.q.status).toBe('skipped');
    expect(result.nodes.say.usage).toBeUndefined();
  });
});
