import { describeNodeType, nodeTypes } from '@patchbay/core';
import type { NodeTypeInfo, ProviderInfo } from '../../src/lib/api';

/** The node catalogue as `GET /api/node-types` describes it, built by the same function from core's own definitions. */
export function catalogFromCore(): NodeTypeInfo[] {
  return Object.values(nodeTypes).map(describeNodeType);
}
export const PROVIDERS: ProviderInfo[] = [
  { name: 'offline', offline: true, hasKey: true, models: ['echo', 'extractive', 'scripted', 'hash'] },
  { name: 'fireworks', offline: false, hasKey: false, models: ['accounts/fireworks/models/llama-v3p1-8b-instruct'] },
];
