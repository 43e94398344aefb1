import { z } from 'zod';
import { defineScorer } from './types';
import { asText, matchesEverything, preview } from './values';

export const containsScorer = defineScorer({
  type: 'contains',
  description: 'The target contains the expected text; with a list, any (default) or all of it',
  needsExpected: true,
  expectedText: 'any-of',
  params: z.strictObject({
    value: z.union([z.string(), z.array(z.string())]).optional(),
    mode: z.enum(['any', 'all']).default('any'),
    ignoreCase: z.boolean().default(false),
  }),
  score({ value, expected, params }) {
    const fold = (t: string) => (params.ignoreCase ? t.toLowerCase() : t);
    const text = fold(asText(value));
    const wanted = (Array.isArray(expected) ? expected : [expected]).map(asText);
    const vacuous = matchesEverything(wanted);
    if (vacuous) return { score: 0, reason: 'no usable expected text', error: vacuous };
    const found = wanted.filter((w) => text.includes(fold(w)));
    const missing = wanted.filter((w) => !found.includes(w));
    if (params.mode === 'all') {
      const score = wanted.length ? found.length / wanted.length : 1;
      return missing.length
        ? { score, pass: false, reason: `missing ${missing.map((m) => preview(m)).join(', ')} in ${preview(value)}` }
        : { score: 1, reason: `contains all of ${wanted.map((w) => preview(w)).join(', ')}` };
    }
    return found.length
      ? { score: 1, reason: `contains ${preview(found[0])}` }
      : { score: 0, reason: `none of ${wanted.map((w) => preview(w)).join(', ')} in ${preview(value)}` };
  },
});
