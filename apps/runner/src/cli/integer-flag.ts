import { UsageError } from './command';

/**
 * A whole-number flag (`--repeat 3`, `--port 8787`) in decimal digits: Number() alone would also take
 * `0x2`, `1e1` or `2.0`. Out of range or not digits: a UsageError (exit 2) naming the flag and the range.
 */
export function positiveInteger(text: string, flag: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\d+$/.test(String(text).trim()) || n < min || n > max) {
    throw new UsageError(`${flag} must be an integer${max === Number.MAX_SAFE_INTEGER ? ` of at least ${min}` : ` from ${min} to ${max}`}, got "${text}"`);
  }
  return n;
}
