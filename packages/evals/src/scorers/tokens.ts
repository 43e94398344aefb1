import { z } from 'zod';
import { defineScorer } from './types';

export const tokensScorer = defineScorer({
  type: 'tokens',
  description: 'The case used at most max tokens in all (an unreported usage fails)',
  readsTarget: false,
  params: z.strictObject({ max: z.number().int().positive() }),
  score({ run, params }) {
    const tokens = run.tokens;
    if (tokens === null) return { score: 0, reason: 'no token usage reported' };
    return tokens <= params.max
      ? { score: 1, reason: `${tokens} tokens ≤ ${params.max}` }
      : { score: params.max / tokens, pass: false, reason: `${tokens} tokens > ${params.max}` };
  },
});
