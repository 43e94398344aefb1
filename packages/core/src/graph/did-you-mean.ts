import { distance } from 'fastest-levenshtein';

/**
 * Case, `_` and `-` are the commonest slips (`max_tokens`, `TopK`): they cost nothing. So do full-width and
 * other compatibility forms of letters (NFKC: `ｔｉｍｅｏｕｔＭｓ` typed with an IME on is `timeoutMs` to a reader).
 */
const normal = (name: string) => name.normalize('NFKC').toLowerCase().replace(/[-_\s]/g, '');

/**
 * The known name closest to a mistyped one, when it is close enough to be a
 * slip of the keyboard (about one edit in three letters), else undefined.
 */
export function closestName(given: string, known: readonly string[]): string | undefined {
  const target = normal(given);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = distance(target, normal(name));
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return bestDistance <= Math.max(1, Math.floor(target.length / 3)) ? best : undefined;
}

/** ` (did you mean "x"?)` or nothing. */
export function didYouMean(given: string, known: readonly string[]): string {
  const close = closestName(given, known);
  return close === undefined ? '' : `; did you mean "${close}"?`;
}
