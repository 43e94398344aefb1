import { z } from 'zod';
import { defineScorer } from './types';
import { asText } from './values';

export function cosine(a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export const embeddingSimilarityScorer = defineScorer({
  type: 'embedding-similarity',
  description: 'Cosine similarity of the target and expected embeddings (any embedding model; offline:hash by default)',
  needsExpected: true,
  expectedText: 'one',
  defaultThreshold: 0.8,
  modelParams: [{ param: 'model', kind: 'embedding' }],
  params: z.strictObject({
    value: z.string().optional(),
    model: z.string().regex(/^[^:]+:.+$/, 'a model is "<provider>:<model>"').default('offline:hash'),
  }),
  async score({ value, expected, params }, ctx) {
    const [a, b] = await ctx.models.embed(params.model, [asText(value), asText(expected)], { signal: ctx.signal });
    if (!a?.length || !b?.length) return { score: 0, reason: 'no embedding', error: `${params.model} returned no embedding` };
    // A cosine over whatever overlaps (two models behind one name, a truncated vector) would be a score of nothing.
    if (a.length !== b.length) return { score: 0, reason: 'unusable embeddings', error: `${params.model} returned embeddings of different sizes (${a.length} and ${b.length})` };
    if (!a.every(Number.isFinite) || !b.every(Number.isFinite)) return { score: 0, reason: 'unusable embeddings', error: `${params.model} returned an embedding with a value that is not a number` };
    // Negative cosine (opposed meaning) scores 0: scores stay in 0..1.
    const score = Math.max(0, Math.min(1, cosine(a, b)));
    return { score, reason: `cosine similarity ${score.toFixed(3)} (${params.model})` };
  },
});
