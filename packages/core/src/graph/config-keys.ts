import { z } from 'zod';
import type { NodeDefinition } from '../nodes/types';
import type { PipelineNode } from '../schema/pipeline';
import { didYouMean } from './did-you-mean';
import { jsonPath } from './json-path';
import type { Problem, ProblemCode } from './problems';

/** Keys that belong on the node itself, beside `config`: a common place to put them by mistake. */
const NODE_KEYS = ['timeoutMs', 'retries', 'label', 'position'];

/** Every key a node has (the pipeline schema's NodeSchema), in the order the schema lists them. */
const ALL_NODE_KEYS = ['id', 'type', 'label', 'position', 'config', 'timeoutMs', 'retries'];

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
        code: 'unknown-config-key' satisfies ProblemCode,
        message: `node "${node.id}": ${jsonPath(['config', key.slice(0, 60)], '').slice(1)}: unknown key${hint} (${def.type} knows: ${known.join(', ')})`,
        nodes: [node.id],
      };
    });
}

/**
 * Keys on a node itself (beside `config`) that zod would drop silently while the node runs without them:
 * a slip for one the node has (`timeoutMS`, `retires`) or a config key of its type put beside config
 * (`model`, `temperature`). Any other key is left alone: an editor draft's `pinned`, a note a file keeps.
 * `raw` is the node as sent (before parsing drops such keys); `def` its type when it has a known one.
 */
export function misplacedNodeKeyProblems(raw: Record<string, unknown>, index: number, def: NodeDefinition | undefined): Problem[] {
  const configKeys = (def && configKeysOf(def)) ?? [];
  const id = typeof raw.id === 'string' ? JSON.stringify(raw.id.slice(0, 60)) : `#${index}`;
  const problems: Problem[] = [];
  for (const key of Object.keys(raw)) {
    if (ALL_NODE_KEYS.includes(key)) continue;
    const hint = configKeys.includes(key) ? `${key} goes in config` : didYouMean(key, ALL_NODE_KEYS).replace(/^; /, '');
    if (!hint) continue;
    problems.push({
      path: jsonPath(['nodes', index, key]),
      code: 'unknown-node-key' satisfies ProblemCode,
      message: `node ${id}: ${jsonPath([key.slice(0, 60)], '').slice(1)}: unknown key; ${hint} (a node has: ${ALL_NODE_KEYS.join(', ')})`,
      ...(typeof raw.id === 'string' ? { nodes: [raw.id] } : {}),
    });
  }
  return problems;
}
