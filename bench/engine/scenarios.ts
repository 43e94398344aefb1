// One engine's series (ours or LangChain.js), run in its own process so its peak RSS is its own.
import { z } from 'zod';
import { RunnableLambda, RunnableParallel, RunnableSequence, type Runnable } from '@langchain/core/runnables';
import { defineNode, runPipeline, validatePipeline, type PipelineDocument } from '@patchbay/core';

export type Engine = 'patchbay' | 'langchain';
export type Shape = 'chain' | 'fanout';
export const SIZES = [10, 100, 1000] as const;
export const SHAPES: Shape[] = ['chain', 'fanout'];

export interface Figure {
  engine: Engine;
  shape: Shape;
  size: number;
  usPerNode: number;
}

export interface SeriesResult {
  engine: Engine;
  figures: Figure[];
  peakRssMb: number;
  /** Ours only: full validation of a catalogue pipeline of 1,000 nodes, per node (not part of usPerNode). */
  validateUsPerNode?: number;
}

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

/** Chain: n0 → n1 → … ; fan-out: one root feeding `size` branches (size + 1 nodes). */
function patchbayGraph(shape: Shape, size: number): PipelineDocument {
  const nodes = Array.from({ length: size + (shape === 'fanout' ? 1 : 0) }, (_, i) => ({ id: `n${i}`, type: 'noop', config: {} }));
  const edges = nodes.slice(1).map((node, i) => ({ from: `${shape === 'chain' ? `n${i}` : 'n0'}.out`, to: `${node.id}.in` }));
  return { format: 'patchbay.pipeline/v1', name: `${shape}-${size}`, nodes, edges };
}

function langchainGraph(shape: Shape, size: number): Runnable {
  const noop = () => RunnableLambda.from((x: unknown) => x);
  if (shape === 'chain') {
    const [first, second, ...rest] = Array.from({ length: size }, noop);
    return RunnableSequence.from([first, second, ...rest]);
  }
  const branches = Object.fromEntries(Array.from({ length: size }, (_, i) => [`n${i + 1}`, noop()]));
  return RunnableSequence.from([noop(), RunnableParallel.from(branches)]);
}

const nodeCount = (shape: Shape, size: number) => size + (shape === 'fanout' ? 1 : 0);

function runner(engine: Engine, shape: Shape, size: number): () => Promise<unknown> {
  if (engine === 'patchbay') {
    const doc = patchbayGraph(shape, size);
    return async () => {
      const result = await runPipeline(doc, { }, { nodeTypes: noopTypes, skipValidation: true });
      if (result.status !== 'succeeded') throw new Error(`run ${result.status}: ${result.error}`);
    };
  }
  const graph = langchainGraph(shape, size);
  return () => graph.invoke(1);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median µs per node over `samples` samples, each repeating the whole run enough times to be measurable. */
async function measure(run: () => Promise<unknown>, nodes: number, samples: number, warmup: number): Promise<number> {
  const repeat = Math.max(1, Math.round(2_000 / nodes));
  const perNode: number[] = [];
  for (let s = 0; s < warmup + samples; s++) {
    globalThis.gc?.();
    const t0 = performance.now();
    for (let r = 0; r < repeat; r++) await run();
    const us = ((performance.now() - t0) * 1000) / (repeat * nodes);
    if (s >= warmup) perNode.push(us);
  }
  return median(perNode);
}

/** A catalogue pipeline of 1,000 nodes: input → 998 templates → output, for the cost of validation. */
function templateChain(size: number): PipelineDocument {
  const nodes = [
    { id: 'in', type: 'input', config: { name: 'question', valueType: 'string' } },
    ...Array.from({ length: size - 2 }, (_, i) => ({ id: `t${i}`, type: 'template', config: { template: 'Q: {{ value }}' } })),
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ];
  const edges = nodes.slice(1).map((node, i) => ({ from: `${nodes[i].id}.${i === 0 ? 'value' : 'text'}`, to: `${node.id}.value` }));
  return { format: 'patchbay.pipeline/v1', name: 'template-chain', nodes, edges };
}

export async function runSeries(engine: Engine, quick: boolean): Promise<SeriesResult> {
  const samples = quick ? 5 : 15;
  const warmup = quick ? 2 : 5;
  const figures: Figure[] = [];
  for (const size of SIZES) {
    for (const shape of SHAPES) {
      const usPerNode = await measure(runner(engine, shape, size), nodeCount(shape, size), samples, warmup);
      figures.push({ engine, shape, size, usPerNode });
    }
  }
  let validateUsPerNode: number | undefined;
  if (engine === 'patchbay') {
    const doc = templateChain(1000);
    const times: number[] = [];
    for (let i = 0; i < warmup + samples; i++) {
      const t0 = performance.now();
      const report = validatePipeline(doc);
      if (!report.valid) throw new Error(`bench document invalid: ${report.problems[0]?.message}`);
      if (i >= warmup) times.push(((performance.now() - t0) * 1000) / doc.nodes.length);
    }
    validateUsPerNode = median(times);
  }
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  return { engine, figures, peakRssMb, ...(validateUsPerNode !== undefined ? { validateUsPerNode } : {}) };
}
