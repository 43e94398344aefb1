/**
 * Turns free user text into an FTS5 MATCH expression that can never be a syntax
 * error: every word becomes a quoted term (so `AND`, `NEAR`, `*`, `"`, `-` and
 * column filters in user text are just words) and the terms are OR-ed, leaving
 * the ranking to bm25().
 */
export function ftsQuery(text: string, maxTerms = 32): string | null {
  const words = text.toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
  const unique = [...new Set(words)].slice(0, maxTerms);
  if (unique.length === 0) return null;
  return unique.map((w) => `"${w}"`).join(' OR ');
}
