import { z } from 'zod';
import { defineScorer } from './types';
import { asJson, preview } from './values';

/** The first JSON path where two values differ, or null when they are deeply equal (key order free). */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    return typeof a === 'number' && typeof b === 'number' && a === b ? null : path;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return path;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return `${path} (length ${bb.length} ≠ ${a.length})`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], bb[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const key of [...keys].sort()) {
    if (!Object.hasOwn(ao, key) || !Object.hasOwn(bo, key)) return `${path}.${key}`;
    const d = firstDifference(ao[key], bo[key], `${path}.${key}`);
    if (d) return d;
  }
  return null;
}

export const jsonEqualsScorer = defineScorer({
  type: 'json-equals',
  description: 'The target is JSON deeply equal to the expected value; key order does not matter',
  needsExpected: true,
  params: z.strictObject({ value: z.unknown().optional() }),
  score({ value, expected }) {
    const got = asJson(value);
    if (!got.ok) return { score: 0, reason: `not JSON: ${got.error}` };
    // An expected string that holds JSON is compared as that JSON; other strings as strings.
    const want = asJson(expected);
    const wanted = want.ok ? want.value : expected;
    const diff = firstDifference(wanted, got.value);
    return diff === null
      ? { score: 1, reason: 'equal' }
      : { score: 0, reason: `differs at ${diff}: expected ${preview(wanted)}, got ${preview(got.value)}` };
  },
});
