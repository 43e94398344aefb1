import { nodeConfigJsonSchema, nodeTypes } from '@patchbay/core';
import type { NodeTypeInfo, ProviderInfo } from '../../src/lib/api';
import type { JsonSchema } from '../../src/lib/config-form';

/** The node catalogue as `GET /api/node-types` describes it, built from core's own definitions. */
export function catalogFromCore(): NodeTypeInfo[] {
  return Object.values(nodeTypes).map((def) => ({
    type: def.type,
    title: def.title,
    description: def.description,
    category: def.category,
    configSchema: nodeConfigJsonSchema(def.type) as JsonSchema,
    templateFields: def.templateFields ?? [],
    codeFields: def.codeFields ?? [],
  }));
}

export const PROVIDERS: ProviderInfo[] = [
  { name: 'offline', offline: true, hasKey: true, models: ['echo', 'extractive', 'scripted', 'hash'] },
  { name: 'fireworks', offline: false, hasKey: false, models: ['accounts/fireworks/models/llama-v3p1-8b-instruct'] },
];
