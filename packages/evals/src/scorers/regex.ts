import { z } from 'zod';
import { defineScorer } from './types';
import { asText, preview } from './values';

function compile(pattern: string, flags: string | undefined): RegExp | string {
  try {
    return new RegExp(pattern, flags);
  } catch (err) {
    return (err as Error).message;
  }
}

export const regexScorer = defineScorer({
  type: 'regex',
  description: 'The target matches a regular expression (params.pattern, else the expected value)',
  needsExpected: (params) => params.pattern === undefined,
  params: z.strictObject({
    pattern: z.string().optional(),
    flags: z.string().regex(/^[dgimsuvy]*$/, 'flags are among d g i m s u v y').optional(),
    /** Pass when the pattern does NOT match (a forbidden phrase). */
    negate: z.boolean().default(false),
  }),
  check(params) {
    if (params.pattern === undefined) return null;
    const re = compile(params.pattern, params.flags);
    return typeof re === 'string' ? `pattern: ${re}` : null;
  },
  score({ value, expected, params }) {
    const pattern = params.pattern ?? asText(expected);
    const re = compile(pattern, params.flags);
    if (typeof re === 'string') return { score: 0, reason: `bad pattern /${pattern}/`, error: re };
    const matched = re.test(asText(value));
    const ok = matched !== params.negate;
    return {
      score: ok ? 1 : 0,
      reason: `${matched ? 'matches' : 'does not match'} /${pattern}/${params.flags ?? ''}: ${preview(value)}`,
    };
  },
});
