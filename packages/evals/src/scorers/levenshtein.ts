import { distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { defineScorer } from './types';
import { normalisedText, preview } from './values';

export const levenshteinScorer = defineScorer({
  type: 'levenshtein',
  description: 'Similarity 1 − edit distance ÷ longer length; passes at 0.8 unless a threshold is set',
  needsExpected: true,
  expectedText: 'one',
  defaultThreshold: 0.8,
  params: z.strictObject({
    value: z.string().optional(),
    trim: z.boolean().default(true),
    ignoreCase: z.boolean().default(false),
  }),
  score({ value, expected, params }) {
    const a = normalisedText(value, params);
    const b = normalisedText(expected, params);
    const longest = Math.max(a.length, b.length);
    const d = distance(a, b);
    const score = longest === 0 ? 1 : 1 - d / longest;
    return { score, reason: `${d} edit(s) from ${preview(b)}; similarity ${score.toFixed(3)}` };
  },
});
