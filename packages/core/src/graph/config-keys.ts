import { z } from 'zod';
import type { NodeDefinition } from '../nodes/types';
import type { PipelineNode } from '../schema/pipeline';
import { closestName, didYouMean } from './did-you-mean';
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
 * The most unknown keys of one node (in its config, or beside it) named one by one; past it, one problem
 * counts the rest. A body of a few MB holds 300,000 keys: a problem each was a list 20 times its size.
 */
export const MAX_NAMED_KEYS = 20;

/** "12,345 more unknown keys (only the first 20 are named; …)". */
const moreKeys = (count: number, known: string) =>
  `${count.toLocaleString('en-US')} more unknown key${count === 1 ? '' : 's'} (only the first ${MAX_NAMED_KEYS} are named; ${known})`;

/**
 * Keys in a node's config that its type does not know: zod would drop them
 * silently, and a typo (`temprature`) would quietly run with the default.
 */
export function unknownConfigKeyProblems(node: PipelineNode, index: number, def: NodeDefinition): Problem[] {
  const known = configKeysOf(def);
  const config = node.config;
  if (!known || typeof config !== 'object' || config === null || Array.isArray(config)) return [];
  const unknown = Object.keys(config).filter((key) => !known.includes(key));
  const knows = `${def.type} knows: ${known.join(', ')}`;
  const problems: Problem[] = unknown.slice(0, MAX_NAMED_KEYS).map((key) => {
    const hint = NODE_KEYS.includes(key)
      ? `; ${key} goes on the node, beside config`
      : didYouMean(key, known);
    return {
      path: jsonPath(['nodes', index, 'config', key]),
      code: 'unknown-config-key' satisfies ProblemCode,
      message: `node "${node.id}": ${jsonPath(['config', key], '').slice(1)}: unknown key${hint} (${knows})`,
      nodes: [node.id],
    };
  });
  if (unknown.length > MAX_NAMED_KEYS) {
    problems.push({
      path: jsonPath(['nodes', index, 'config']),
      code: 'unknown-config-key' satisfies ProblemCode,
      message: `node "${node.id}": config has ${moreKeys(unknown.length - MAX_NAMED_KEYS, knows)}`,
      nodes: [node.id],
    });
  }
  return problems;
}

/** Every key a pipeline document has (PipelineDocumentSchema), in the order the schema lists them. */
const DOCUMENT_KEYS = ['format', 'name', 'title', 'description', 'nodes', 'edges'];
/** Keys a document may carry that are no part of it: `$schema`, which editors read (pipelines.md says to add it). */
const EDITOR_KEYS = ['$schema'];

/**
 * Keys of the document itself that parsing would drop while the document loses what they were meant to be: a slip
 * or a look-alike of one it has (`descripton`, `edge`: every edge gone, `ｎａｍｅ`). Any other key is left alone, as on a node.
 */
export function misplacedDocumentKeyProblems(raw: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(raw)) {
    if (DOCUMENT_KEYS.includes(key) || EDITOR_KEYS.includes(key)) continue;
    const meant = closestName(key, DOCUMENT_KEYS);
    if (meant === undefined || !couldHold(meant, raw[key])) continue;
    const hint = didYouMean(key, DOCUMENT_KEYS).replace(/^; /, '');
    if (problems.length === MAX_NAMED_KEYS) break;
    problems.push({
      path: jsonPath([key]),
      code: 'unknown-document-key' satisfies ProblemCode,
      message: `${shownKey(key)}: unknown key; ${hint} (a pipeline document has: ${DOCUMENT_KEYS.join(', ')})`,
    });
  }
  return problems;
}

/**
 * Whether `value` could be what the document's key `meant` holds (a list of objects for `nodes`/`edges`, text for the
 * rest): a key near one that could not is a word of its own (`notes: "reviewed"`, not a slip for `nodes`).
 */
function couldHold(meant: string, value: unknown): boolean {
  if (meant === 'nodes' || meant === 'edges') return Array.isArray(value) && value.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item));
  return typeof value === 'string';
}

/** A key as a path names it, without the path: `timeoutMS`, or quoted as JSON when it is no identifier (`"timeout ms"`). */
function shownKey(key: string): string {
  const path = jsonPath([key], '');
  return path.startsWith('.') ? path.slice(1) : path.slice(1, -1);
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
  const keys = Object.keys(raw);
  for (const [at, key] of keys.entries()) {
    if (ALL_NODE_KEYS.includes(key)) continue;
    if (problems.length === MAX_NAMED_KEYS) {
      // Not each looked at: the rest are counted (some may be an editor's own, which alone would pass).
      const rest = keys.slice(at).filter((k) => !ALL_NODE_KEYS.includes(k)).length;
      problems.push({
        path: jsonPath(['nodes', index]),
        code: 'unknown-node-key' satisfies ProblemCode,
        message: `node ${id}: ${moreKeys(rest, `a node has: ${ALL_NODE_KEYS.join(', ')}`)}`,
        ...(typeof raw.id === 'string' ? { nodes: [raw.id] } : {}),
      });
      break;
    }
    // A key in full-width letters is the key it looks like (NFKC), as didYouMean reads it too.
    const plain = key.normalize('NFKC');
    const hint = configKeys.includes(plain) ? `${plain} goes in config` : didYouMean(key, ALL_NODE_KEYS).replace(/^; /, '');
    if (!hint) continue;
    problems.push({
      path: jsonPath(['nodes', index, key]),
      code: 'unknown-node-key' satisfies ProblemCode,
      message: `node ${id}: ${shownKey(key)}: unknown key; ${hint} (a node has: ${ALL_NODE_KEYS.join(', ')})`,
      ...(typeof raw.id === 'string' ? { nodes: [raw.id] } : {}),
    });
  }
  return problems;
}
