import { z } from 'zod';
import { defineScorer } from './types';
import { normalisedText, preview } from './values';

export const exactScorer = defineScorer({
  type: 'exact',
  description: 'The target equals the expected text (or one of a list)',
  needsExpected: true,
  expectedText: 'any-of',
  params: z.strictObject({
    value: z.unknown().optional(),
    /** Leading and trailing whitespace does not count (default true). */
    trim: z.boolean().default(true),
    ignoreCase: z.boolean().default(false),
  }),
  score({ value, expected, params }) {
    const norm = (v: unknown) => normalisedText(v, params);
    const wanted = Array.isArray(expected) ? expected : [expected];
    const got = norm(value);
    const hit = wanted.some((w) => norm(w) === got);
    return hit
      ? { score: 1, reason: `equals ${preview(value)}` }
      : { score: 0, reason: `expected ${wanted.map((w) => preview(w)).join(' or ')}, got ${preview(value)}` };
  },
});
