import { z } from 'zod';
import { compileLinearPattern, type PatternTester } from '@patchbay/core';
// V8's linear-time fallback for the patterns RE2 is not given (set once for the process).
import '@patchbay/core/regexp-fallback';
import { defineScorer } from './types';
import { asText, matchesEverything, preview } from './values';

/** Compiled patterns (or why one does not compile), by flags and pattern: a monitor scores every sampled run with the same one. */
const compiled = new Map<string, PatternTester | string>();
const MAX_COMPILED = 256;

function compile(pattern: string, flags: string | undefined): PatternTester | string {
  const key = `${flags ?? ''}/${pattern}`;
  let re = compiled.get(key);
  if (re === undefined) {
    try {
      re = compileLinearPattern(pattern, flags);
    } catch (err) {
      re = (err as Error).message;
    }
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(key, re);
  }
  return re;
}

export const regexScorer = defineScorer({
  type: 'regex',
  description: 'The target matches a regular expression (params.pattern, else the expected value)',
  needsExpected: (params) => params.pattern === undefined,
  expectedParam: { param: 'pattern', what: 'the pattern' },
  expectedText: 'one',
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
    // A pattern from the case that is empty ("" or []) matches every output.
    const vacuous = params.pattern === undefined ? matchesEverything([pattern]) : null;
    if (vacuous) return { score: 0, reason: 'no usable expected pattern', error: vacuous };
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
