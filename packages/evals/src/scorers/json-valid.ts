import { z } from 'zod';
import { defineScorer } from './types';
import { asJson } from './values';

export const jsonValidScorer = defineScorer({
  type: 'json-valid',
  description: 'The target is JSON: a string that parses, or a structured value',
  params: z.strictObject({}),
  score({ value }) {
    if (value === undefined) return { score: 0, reason: 'no value' };
    const parsed = asJson(value);
    return parsed.ok ? { score: 1, reason: 'valid JSON' } : { score: 0, reason: `not JSON: ${parsed.error}` };
  },
});
