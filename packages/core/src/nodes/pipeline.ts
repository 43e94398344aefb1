import { z } from 'zod';
import { defineNode } from './types';
import { summaryLines, summaryText } from './summary-text';
import { PipelineRefSchema, childOf, type PipelineLookup } from '../compose/pipeline-ref';
import type { ChildRunResult, NodeContext } from '../engine/context';

export const PipelineConfig = z.object({
  ref: PipelineRefSchema,
});
export type PipelineConfig = z.infer<typeof PipelineConfig>;

/** The child's outputs as this node's: every output by name. */
function childOutputs(result: ChildRunResult): Record<string, unknown> {
  return { ...result.outputs };
}

/** Reports the child's trace and spend on the calling node; a failed child fails the node. */
export function reportChild(ctx: NodeContext, ref: string, result: ChildRunResult): void {
  const child = ctx.pipelines.get(ref)!;
  ctx.report({
    usage: result.usage,
    costUsd: result.costUsd,
    child: {
      ref,
      pipeline: child.name,
      version: child.version,
      ...(child.label ? { label: child.label } : {}),
      status: result.status,
      ...(result.error ? { error: result.error } : {}),
      ...(result.failedNode ? { failedNode: result.failedNode } : {}),
      durationMs: result.durationMs,
      nodes: result.nodes,
    },
  });
}

/**
 * Calls another stored pipeline. Its ports are the referenced version's inputs
 * and outputs, so they are known only where references resolve (the runner,
 * or the editor through the API); the child's trace nests under this node.
 */
export const pipelineNode = defineNode<PipelineConfig>({
  type: 'pipeline',
  title: 'Pipeline',
  description: 'Runs another stored pipeline (NAME, NAME@vN or NAME@LABEL) as one node',
  category: 'logic',
  configSchema: PipelineConfig,
  childRefs: (config) => [config.ref],
  summary: (config) => summaryLines({ label: 'calls', text: summaryText(config.ref) }),
  inputs: (config, lookup?: PipelineLookup) => childOf(lookup, config.ref)?.inputs ?? [],
  outputs: (config, lookup?: PipelineLookup) => childOf(lookup, config.ref)?.outputs ?? [],
  async run(inputs, config, ctx) {
    // Inside a map item, the child's maps borrow that item's slots too.
    const result = await ctx.pipelines.run(config.ref, inputs, { signal: ctx.signal, itemSlots: ctx.itemSlots });
    reportChild(ctx, config.ref, result);
    if (result.status !== 'succeeded') {
      throw new Error(`pipeline "${config.ref}" ${result.status}${result.error ? `: ${result.error}` : ''}`);
    }
    return childOutputs(result);
  },
});
