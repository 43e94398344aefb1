// Patchbay's side of the engine bench: no-op graphs run with skipValidation, and a catalogue document for validation.
import { z } from 'zod';
import { defineNode, runPipeline, validatePipeline, type PipelineDocument } from '@patchbay/core';
import type { Shape } from './shapes';

/** The no-op node: hands its input on, like the peer's identity lambda. */
const noopNode = defineNode<Record<string, never>>({
  type: 'noop',
  title: 'No-op',
  description: 'Passes its input on',
  category: 'logic',
  configSchema: z.object({}).strict() as never,
  inputs: () => [{ name: 'in', type: 'any', required: false }],
  outputs: () => [{ name: 'out', type: 'any' }],
  run: async (inputs) => ({ out: inputs.in }),
});
const noopTypes = { noop: noopNode };

/** Chain: n0 → n1 → …; fan-out: one root n0 feeding `size` branches (size + 1 nodes). */
function graph(shape: Shape, size: number): PipelineDocument {
  const nodes = Array.from({ length: size + (shape === 'fanout' ? 1 : 0) }, (_, i) => ({ id: `n${i}`, type: 'noop', config: {} }));
  const edges = nodes.slice(1).map((node, i) => ({ from: `${shape === 'chain' ? `n${i}` : 'n0'}.out`, to: `${node.id}.in` }));
  return { format: 'patchbay.pipeline/v1', name: `${shape}-${size}`, nodes, edges };
}

export function patchbayRunner(shape: Shape, size: number): () => Promise<unknown> {
  const doc = graph(shape, size);
  return async () => {
    const result = await runPipeline(doc, {}, { nodeTypes: noopTypes, skipValidation: true });
    if (result.status !== 'succeeded') throw new Error(`run ${result.status}: ${result.error}`);
  };
}

/** A catalogue pipeline of `size` nodes: input → templates → output; what validation costs per node. */
export function validationRunner(size: number): () => Promise<unknown> {
  const nodes = [
    { id: 'in', type: 'input', config: { name: 'question', valueType: 'string' } },
    ...Array.from({ length: size - 2 }, (_, i) => ({ id: `t${i}`, type: 'template', config: { template: `Step ${i}: {{ value }}` } })),
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ];
  const edges = nodes.slice(1).map((node, i) => ({ from: `${nodes[i].id}.${i === 0 ? 'value' : 'text'}`, to: `${node.id}.value` }));
  const doc: PipelineDocument = { format: 'patchbay.pipeline/v1', name: 'template-chain', nodes, edges };
  return async () => {
    const report = validatePipeline(doc);
    if (!report.valid) throw new Error(`bench document invalid: ${report.problems[0]?.message}`);
  };
}
