import { portsOf } from '../graph/ports';
import { nodeConfigJsonSchema } from '../schema/json-schema';
import type { JsonSchema } from '../schema/json-schema-type';
import type { ModelKind, NodeCategory, NodeDefinition, PortSpec } from './types';

/** A node type as the palette and the inspector see it (`GET /api/node-types`): its definition, minus code. */
export interface NodeTypeInfo {
  type: string;
  title: string;
  description: string;
  category: NodeCategory;
  configSchema: JsonSchema;
  /** The config an empty one parses to; null when the type has required fields. */
  defaultConfig: Record<string, unknown> | null;
  /** Ports for the default config; they follow the config (template variables become inputs). */
  inputs: PortSpec[];
  outputs: PortSpec[];
  templateFields: string[];
  codeFields: string[];
  /** Config fields that name a retrieval index (the inspector offers the runner's indexes). */
  indexFields: string[];
  /** Config fields that name tools, one or a list (the inspector offers the runner's tools, GET /api/tools). */
  toolFields: string[];
  /** Config fields that name a model, and what kind (the inspector draws a model picker for them). */
  modelFields: { field: string; kind: ModelKind }[];
  /** The output port whose text streams as `node.token` events (the card shows it as it comes); null when none does. */
  streamedOutput: string | null;
}

export function describeNodeType(def: NodeDefinition): NodeTypeInfo {
  const parsed = def.configSchema.safeParse({});
  const defaultConfig = parsed.success ? (parsed.data as Record<string, unknown>) : null;
  return {
    type: def.type,
    title: def.title,
    description: def.description,
    category: def.category,
    configSchema: nodeConfigJsonSchema(def.type) as JsonSchema,
    defaultConfig,
    ...(portsOf(def, defaultConfig ?? {}) ?? { inputs: [], outputs: [] }),
    templateFields: def.templateFields ?? [],
    codeFields: def.codeFields ?? [],
    indexFields: def.indexFields ?? [],
    toolFields: def.toolFields ?? [],
    modelFields: (def.modelFields ?? []).map(({ field, kind }) => ({ field, kind })),
    streamedOutput: def.streamedOutput ?? null,
  };
}
