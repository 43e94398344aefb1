// The node types inside the real engine: branches, skipping, merging and streaming.
import { describe, expect, it } from 'vitest';
import { runPipeline, type PipelineDocument, type RunEvent } from '../../src/index';
import { createModelService, createOfflineProvider, createSandbox } from '../../src/node/index';

const services = {
  models: createModelService({ offline: createOfflineProvider() }),
  sandbox: createSandbox(),
};

const doc: PipelineDocument = {
  format: 'patchbay.pipeline/v1',
  name: 'triage',
  nodes: [
    { id: 'order', type: 'input', config: { name: 'order', valueType: 'json' } },
    { id: 'route', type: 'router', config: { routes: [{ port: 'large', when: '$.amount > 100' }] } },
    { id: 'review', type: 'code', config: { code: 'return "review " + value.id', timeoutMs: 1000 } },
    { id: 'auto', type: 'transform', config: { expression: '"auto " & $.id' } },
    { id: 'join', type: 'merge', config: { inputs: ['review', 'auto'] } },
    { id: 'say', type: 'llm', config: { model: 'offline:echo', prompt: 'Decision: {{ decision }}' } },
    { id: 'out', type: 'output', config: { name: 'decision' } },
  ],
  edges: [
    { from: 'order.value', to: 'route.value' },
    { from: 'route.large', to: 'review.value' },
    { from: 'route.default', to: 'auto.value' },
    { from: 'review.value', to: 'join.review' },
    { from: 'auto.value', to: 'join.auto' },
    { from: 'join.value', to: 'say.decision' },
    { from: 'say.text', to: 'out.value' },
  ],
};

describe('node types in the engine', () => {
  it('takes one branch, skips the other, merges, and streams the llm reply as node.token events', async () => {
    const events: RunEvent[] = [];
    const result = await runPipeline(doc, { order: { id: 'A7', amount: 250 } }, { services, onEvent: (e) => events.push(e) });
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ decision: 'Decision: review A7' });
    expect(result.nodes.auto.status).toBe('skipped');
    expect(result.nodes.say).toMatchObject({ model: 'offline:echo', costUsd: 0, usage: { completionTokens: 3 } });
    const tokens = events.filter((e) => e.type === 'node.token' && e.nodeId === 'say').map((e) => (e as { text: string }).text);
    expect(tokens.join('')).toBe('Decision: review A7');
  });

  it('takes default when no route holds', async () => {
    const result = await runPipeline(doc, { order: { id: 'B2', amount: 20 } }, { services });
    expect(result.outputs).toEqual({ decision: 'Decision: auto B2' });
    expect(result.nodes.review.status).toBe('skipped');
  });

  it('fails the run naming the node when its code fails', async () => {
    const strict = structuredClone(doc);
    strict.nodes[2].config = { code: 'if (value.amount > 1000) throw new Error("too large: " + value.amount); return value.id' };
    const result = await runPipeline(strict, { order: { id: 'C3', amount: 5000 } }, { services });
    expect(result.status).toBe('failed');
    expect(result.failedNode).toBe('review');
    expect(result.error).toContain('code failed: too large: 5000');
  });
});
