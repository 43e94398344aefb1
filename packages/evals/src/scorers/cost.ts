import { z } from 'zod';
import { defineScorer } from './types';

export const costScorer = defineScorer({
  type: 'cost',
  description: 'The case cost at most maxUsd (an unknown price fails: it cannot be shown to be in budget)',
  readsTarget: false,
  params: z.strictObject({ maxUsd: z.number().min(0) }),
  score({ run, params }) {
    const usd = run.costUsd;
    if (usd === null) return { score: 0, reason: 'cost unknown: no price for the model (see the workspace config prices)' };
    if (usd <= params.maxUsd) return { score: 1, reason: `$${usd.toFixed(6)} ≤ $${params.maxUsd}` };
    return { score: usd === 0 ? 0 : params.maxUsd / usd, pass: false, reason: `$${usd.toFixed(6)} > $${params.maxUsd}` };
  },
});
