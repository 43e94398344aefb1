import type { Usage } from '../../engine/services';

/** USD per 1M tokens. */
export interface Price {
  input: number;
  output: number;
}

/**
 * List prices (USD per 1M tokens) of a few common models, keyed `provider:model`,
 * as published by the providers in 2025. Prices change: the workspace config's
 * `prices` overrides any of these and adds more. A model not listed has an
 * unknown cost (`null`), never a made-up 0.
 */
export const BUILTIN_PRICES: Readonly<Record<string, Price>> = {
  'openai:gpt-4o': { input: 2.5, output: 10 },
  'openai:gpt-4o-mini': { input: 0.15, output: 0.6 },
  'openai:gpt-4.1': { input: 2, output: 8 },
  'openai:gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'openai:gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'openai:text-embedding-3-small': { input: 0.02, output: 0 },
  'openai:text-embedding-3-large': { input: 0.13, output: 0 },
  'fireworks:accounts/fireworks/models/llama-v3p1-8b-instruct': { input: 0.2, output: 0.2 },
  'fireworks:accounts/fireworks/models/llama-v3p1-70b-instruct': { input: 0.9, output: 0.9 },
  'fireworks:accounts/fireworks/models/llama-v3p3-70b-instruct': { input: 0.9, output: 0.9 },
  'fireworks:nomic-ai/nomic-embed-text-v1.5': { input: 0.008, output: 0 },
  'groq:llama-3.1-8b-instant': { input: 0.05, output: 0.08 },
  'groq:llama-3.3-70b-versatile': { input: 0.59, output: 0.79 },
  'together:meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo': { input: 0.18, output: 0.18 },
};

/**
 * The prices that apply to one provider's models, keyed by bare model id:
 * built-ins, then the config's `provider:model` entries on top.
 */
export function pricesForProvider(provider: string, overrides: Record<string, Price> = {}): Record<string, Price> {
  const prefix = `${provider}:`;
  const out: Record<string, Price> = {};
  for (const table of [BUILTIN_PRICES, overrides]) {
    for (const [key, price] of Object.entries(table)) {
      if (key.startsWith(prefix)) out[key.slice(prefix.length)] = price;
    }
  }
  return out;
}

/** Cost of one call; null when the usage or the price is unknown. */
export function costOf(usage: Usage | null | undefined, price: Price | undefined): number | null {
  if (!usage || !price) return null;
  return (usage.promptTokens * price.input + usage.completionTokens * price.output) / 1_000_000;
}
