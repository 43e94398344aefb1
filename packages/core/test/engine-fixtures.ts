// Test-defined node types and a document builder for the engine tests.
import { z } from 'zod';
import { defineNode, nodeTypes, type NodeDefinition, type PipelineDocument, type RunEvent } from '../src/index';

type Spec = { id: string; type: string; config?: Record<string, unknown>; timeoutMs?: number; retries?: number };

/** A pipeline document from terse node specs and `"a.out -> b.in"` edges. */
export function pipeline(nodes: Spec[], edges: string[] = []): PipelineDocument {
  return {
    format: 'patchbay.pipeline/v1',
    name: 'engine-test',
    nodes: nodes.map((n) => ({ config: {}, ...n })),
    edges: edges.map((e) => {
      const [from, to] = e.split('->').map((s) => s.trim());
      return { from, to };
    }),
  };
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** Records what nodes observed (signals aborted, attempts made), for assertions. */
export class Probe {
  aborted = new Set<string>();
  attempts = new Map<string, number>();
}

/**
 * Test node types beside the catalogue:
 * - `wait`: waits `ms` (honouring its signal unless `ignoreSignal`), then passes `value` on; fails with
 *   `fail` as message after the wait; `failTimes` makes the first N attempts fail.
 * - `capture`: a node with string, number and any inputs, returning what it received.
 */
export function testNodeTypes(probe = new Probe()): Record<string, NodeDefinition> {
  const WaitConfig = z.object({
    ms: z.number().default(0),
    fail: z.string().optional(),
    failTimes: z.number().default(0),
    ignoreSignal: z.boolean().default(false),
  });
  const wait = defineNode<z.infer<typeof WaitConfig>>({
    type: 'wait',
    title: 'Wait',
    description: 'waits, then passes its value on',
    category: 'logic',
    configSchema: WaitConfig,
    inputs: () => [{ name: 'value', type: 'any', required: false }],
    outputs: () => [{ name: 'value', type: 'any' }],
    async run(inputs, config, ctx) {
      const attempt = (probe.attempts.get(ctx.nodeId) ?? 0) + 1;
      probe.attempts.set(ctx.nodeId, attempt);
      ctx.signal.addEventListener('abort', () => probe.aborted.add(ctx.nodeId), { once: true });
      await (config.ignoreSignal ? sleep(config.ms) : sleep(config.ms, ctx.signal));
      if (config.fail) throw new Error(config.fail);
      if (attempt <= config.failTimes) throw new Error(`flaky failure on attempt ${attempt}`);
      return { value: inputs.value ?? attempt };
    },
  });
  const capture = defineNode<Record<string, never>>({
    type: 'capture',
    title: 'Capture',
    description: 'returns what it received',
    category: 'logic',
    configSchema: z.object({}) as never,
    inputs: () => [
      { name: 'text', type: 'string', required: false },
      { name: 'data', type: 'json', required: false },
    ],
    outputs: () => [{ name: 'received', type: 'json' }],
    async run(inputs) {
      return { received: inputs };
    },
  });
  const Speaker = z.object({ tokens: z.array(z.string()), costs: z.array(z.number().nullable()) });
  const speaker = defineNode<z.infer<typeof Speaker>>({
    type: 'speaker',
    title: 'Speaker',
    description: 'streams tokens and reports model calls like an llm node',
    category: 'model',
    configSchema: Speaker,
    inputs: () => [],
    outputs: () => [{ name: 'text', type: 'string' }],
    async run(_inputs, config, ctx) {
      for (const text of config.tokens) ctx.emit({ type: 'token', text });
      for (const costUsd of config.costs) {
        const usage = { promptTokens: 10, completionTokens: 5, totalTokens: 15 };
        ctx.report({ model: 'offline:echo', usage, costUsd, call: { kind: 'model', name: 'offline:echo', durationMs: 1, usage, costUsd } });
      }
      return { text: config.tokens.join('') };
    },
  });
  return { ...nodeTypes, wait, capture, speaker };
}

/** Collects events; `kinds()` gives `type` or `type:nodeId` per event, for order assertions. */
export function recorder() {
  const events: RunEvent[] = [];
  return {
    events,
    onEvent: (event: RunEvent) => events.push(event),
    kinds: () => events.map((e) => ('nodeId' in e && e.type.startsWith('node.') ? `${e.type}:${e.nodeId}` : e.type)),
  };
}
