import { z } from 'zod';
import { defineScorer } from './types';
import { preview } from './values';

const NUMBER = /[-+]?(?:\d+(?:[.,]\d+)*(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?/;

/** A number from a value: a number, a numeric string, or the first number written in a text ("about 1,200 km"). */
export function readNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const whole = Number(value.trim());
  if (value.trim() !== '' && Number.isFinite(whole)) return whole;
  const m = NUMBER.exec(value);
  if (!m) return null;
  const n = Number(m[0].replace(/,(?=\d{3}\b)/g, ''));
  return Number.isFinite(n) ? n : null;
}

export const numericScorer = defineScorer({
  type: 'numeric',
  description: 'The number in the target is within a tolerance of the expected number',
  needsExpected: true,
  params: z.strictObject({
    value: z.union([z.number(), z.string()]).optional(),
    /** Absolute tolerance (default 0: equal). */
    tolerance: z.number().min(0).default(0),
    /** Relative tolerance as a fraction of the expected value (0.01 = 1%); either tolerance passes. */
    relative: z.number().min(0).optional(),
  }),
  score({ value, expected, params }) {
    const want = readNumber(expected);
    if (want === null) return { score: 0, reason: 'no expected number', error: `expected value ${preview(expected)} is not a number` };
    const got = readNumber(value);
    if (got === null) return { score: 0, reason: `no number in ${preview(value)}` };
    const diff = Math.abs(got - want);
    const allowed = Math.max(params.tolerance, (params.relative ?? 0) * Math.abs(want));
    return diff <= allowed + 1e-12 * Math.max(1, Math.abs(want))
      ? { score: 1, reason: `${got} is within ${allowed} of ${want}` }
      : { score: 0, reason: `${got} is ${diff} away from ${want} (allowed ${allowed})` };
  },
});
