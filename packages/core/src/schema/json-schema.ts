import { z } from 'zod';
import { getNodeType, nodeTypes } from '../nodes/index';
import { configKeysOf } from '../graph/config-keys';
import { PipelineDocumentSchema } from './pipeline';

type JsonSchema = Record<string, unknown>;

// `io: 'input'` describes what a person may write: fields with defaults are optional.
const OPTIONS = { io: 'input', unrepresentable: 'any' } as const;

/**
 * JSON Schema of one node type's config (the editor's forms and `GET /api/node-types`). Throws for an unknown type.
 * No other keys are allowed, as validation reports them (`unknown-config-key`): a typo must not pass.
 */
export function nodeConfigJsonSchema(type: string): JsonSchema {
  const def = getNodeType(type);
  if (!def) throw new Error(`unknown node type "${type}"`);
  const schema = z.toJSONSchema(def.configSchema, OPTIONS) as JsonSchema;
  return configKeysOf(def) ? { ...schema, additionalProperties: false } : schema;
}

/**
 * JSON Schema of the pipeline document, with each node type's config schema
 * applied by `if type is X then config fits X`, so editors check configs too.
 * The graph rules (edges, ports, cycles) are beyond JSON Schema: `patchbay validate`.
 * A node may hold its own keys only.
 */
export function pipelineJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(PipelineDocumentSchema, OPTIONS) as JsonSchema;
  const defs: JsonSchema = { ...((schema.$defs as JsonSchema | undefined) ?? {}) };
  const perType = Object.keys(nodeTypes).map((type) => {
    const { $schema: _drop, $defs, ...config } = nodeConfigJsonSchema(type);
    // Definitions of a config schema move to the root under a per-type name so its $refs still resolve.
    for (const [name, def] of Object.entries(($defs as JsonSchema | undefined) ?? {})) defs[`${type}.${name}`] = renameRefs(def, type);
    // A type with required settings needs its config: validation finds them missing in the default {}.
    const needsConfig = Array.isArray(config.required) && config.required.length > 0;
    return {
      if: { properties: { type: { const: type } }, required: ['type'] },
      then: { properties: { config: renameRefs(config, type) }, ...(needsConfig ? { required: ['config'] } : {}) },
    };
  });
  const items = ((schema.properties as JsonSchema).nodes as JsonSchema).items as JsonSchema;
  items.properties = {
    ...(items.properties as JsonSchema),
    // Only the registered types, as validation says (`unknown-node-type`).
    type: { ...((items.properties as JsonSchema).type as JsonSchema), enum: Object.keys(nodeTypes) },
  };
  items.allOf = perType;
  // A node has these keys only. Validation refuses a slip for one or a config key beside config (`unknown-node-key`)
  // and drops any other key unseen; the schema refuses every one of them: none is kept.
  items.additionalProperties = false;
  // The document's own keys, and `$schema` for the editor that reads it: validation refuses a slip for one of its
  // keys (`unknown-document-key`) and parsing drops any other.
  schema.properties = { $schema: { type: 'string' }, ...(schema.properties as JsonSchema) };
  schema.additionalProperties = false;
  const { $schema, ...rest } = schema;
  return {
    $schema,
    title: 'Patchbay pipeline (patchbay.pipeline/v1)',
    description: 'A Patchbay pipeline document. Generated from the zod schemas by packages/core/scripts/write-schema.ts; do not edit.',
    ...rest,
    ...(Object.keys(defs).length > 0 ? { $defs: defs } : {}),
  };
}

function renameRefs(value: unknown, type: string): any {
  if (Array.isArray(value)) return value.map((item) => renameRefs(item, type));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) =>
      key === '$ref' && typeof item === 'string' && item.startsWith('#/$defs/')
        ? [key, `#/$defs/${type}.${item.slice('#/$defs/'.length)}`]
        : [key, renameRefs(item, type)],
    ),
  );
}
