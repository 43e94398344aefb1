import { NODE_ID_PATTERN } from '@patchbay/core';

/** `base` made into a valid node id (letters first, then letters, digits, `_`, `-`). */
export function idBase(base: string): string {
  const cleaned = base.replace(/[^A-Za-z0-9_-]/g, '').replace(/^[^A-Za-z]+/, '');
  return NODE_ID_PATTERN.test(cleaned) ? cleaned : 'node';
}

/**
 * `base1`, `base2`, … — the first that is not taken. With `keepBase`, `base` itself when free.
 * At most `maxLength` characters: the stem is cut to make room for the number (a node id's limit).
 */
export function uniqueName(base: string, taken: ReadonlySet<string>, keepBase = false, maxLength = Infinity): string {
  if (keepBase && base.length <= maxLength && !taken.has(base)) return base;
  const stem = base.replace(/\d+$/, '') || base;
  for (let i = 1; ; i++) {
    const name = `${stem.slice(0, Math.max(1, maxLength - String(i).length))}${i}`;
    if (!taken.has(name)) return name;
  }
}
