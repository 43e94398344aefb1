import { distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { defineScorer } from './types';
import { asText, preview } from './values';

export const levenshteinScorer = defineScorer({
  type: 'levenshtein',
  description: 'Similarity 1 − edit distance ÷ longer length; passes at 0.8 unless a threshold is set',
  needsExpected: true,
  defaultThreshold: 0.8,
  params: z.strictObject({
    value: z.string().optional(),
    trim: z.boolean().default(true),
    ignoreCase: z.boolean().default(false),
  }),
  score({ value, expected, params }) {
    const norm = (v: unknown) => {
      let t = asText(v);
      if (params.trim) t = t.trim();
      return params.ignoreCase ? t.toLowerCase() : t;
    };
    const a = norm(value);
    const b = norm(expected);
    const longest = Math.max(a.length, b.length);
    const d = distance(a, b);
    const score = longest === 0 ? 1 : 1 - d / longest;
    return { score, reason: `${d} edit(s) from ${preview(b)}; similarity ${score.toFixed(3)}` };
  },
});
