import { z } from 'zod';
import type { NodeDefinition } from '../nodes/types';
import type { PipelineNode } from '../schema/pipeline';
import { didYouMean } from './did-you-mean';
import { jsonPath } from './json-path';
import type { Problem } from './problems';

/** Keys that belong on the node itself, beside `config`: a common place to put them by mistake. */
const NODE_KEYS = ['timeoutMs', 'retries', 'label', 'position'];

/** The keys a node type's config may have, read from its zod object schema (undefined if it is no object). */
export function configKeysOf(def: NodeDefinition): string[] | undefined {
  return def.configSchema instanceof z.ZodObject ? Object.keys(def.configSchema.shape) : undefined;
}

/**
 * Keys in a node's config that its type does not know: zod would drop them
 * silently, and a typo (`temprature`) would quietly run with the default.
 */
export function unknownConfigKeyProblems(node: PipelineNode, index: number, def: NodeDefinition): Problem[] {
  const known = configKeysOf(def);
  const config = node.config;
  if (!known || typeof config !== 'object' || config === null || Array.isArray(config)) return [];
  return Object.keys(config)
    .filter((key) => !known.includes(key))
    .map((key) => {
      const hint = NODE_KEYS.includes(key)
        ? `; ${key} goes on the node, beside config`
        : didYouMean(key, known);
      return {
        path: jsonPath(['nodes', index, 'config', key]),
        code: 'unknown-config-key',
        message: `node "${node.id}": ${jsonPath(['config', key.slice(0, 60)], '').slice(1)}: unknown key${hint} (${def.type} knows: ${known.join(', ')})`,
        nodes: [node.id],
      };
    });
}
