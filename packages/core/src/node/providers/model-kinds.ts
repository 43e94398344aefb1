import type { ModelKind } from '../../nodes/types';

/** What each offline model can be called for: only `scripted` answers with tool calls. */
const OFFLINE_KINDS: Readonly<Record<string, readonly ModelKind[]>> = {
  echo: ['chat'],
  extractive: ['chat'],
  scripted: ['chat', 'tool-calling'],
  hash: ['embedding'],
};

/**
 * What a model can be called for, so the editor's pickers offer only models that fit a field
 * (a node type's `modelFields` kind). A networked provider does not say: a model whose id names
 * embeddings (`text-embedding-3-small`, `nomic-embed-text`) is taken as an embedding model, any
 * other as a chat model that can call tools.
 */
export function modelKinds(provider: string, model: string): ModelKind[] {
  if (provider === 'offline') return [...(OFFLINE_KINDS[model] ?? [])];
  return /embed/i.test(model) ? ['embedding'] : ['chat', 'tool-calling'];
}

/** `{model: kinds}` for the models a provider lists (ids with or without the `provider:` prefix). */
export function modelKindsOf(provider: string, models: readonly string[]): Record<string, ModelKind[]> {
  return Object.fromEntries(models.map((m) => [m, modelKinds(provider, m.startsWith(`${provider}:`) ? m.slice(provider.length + 1) : m)]));
}
