import { z } from 'zod';
import { defineScorer } from './types';

/** Budgets score 1 within budget and budget ÷ actual above it, so the mean still says how far over a run went. */
export const latencyScorer = defineScorer({
  type: 'latency',
  description: 'The case ran within maxMs milliseconds',
  readsTarget: false,
  params: z.strictObject({ maxMs: z.number().positive() }),
  score({ run, params }) {
    const ms = run.latencyMs;
    return ms <= params.maxMs
      ? { score: 1, reason: `${Math.round(ms)} ms ≤ ${params.maxMs} ms` }
      : { score: params.maxMs / ms, pass: false, reason: `${Math.round(ms)} ms > ${params.maxMs} ms` };
  },
});
