import { keywordText } from './keyword-text';

/**
 * Turns free user text into FTS5 terms that can never be a syntax error: every
 * word becomes a quoted term (so `AND`, `NEAR`, `*`, `"`, `-` and column filters
 * in user text are just words) and the terms are OR-ed, leaving the ranking to
 * bm25().
 */
export function ftsTerms(text: string, maxTerms = 32): string[] {
  const words = keywordText(text).toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
  return [...new Set(words)].slice(0, maxTerms);
}

/** An FTS5 MATCH expression: any of the (already split) terms, each quoted. */
export function ftsMatchAny(terms: string[]): string {
  return terms.map((w) => `"${w}"`).join(' OR ');
}

export function ftsQuery(text: string, maxTerms = 32): string | null {
  const terms = ftsTerms(text, maxTerms);
  return terms.length === 0 ? null : ftsMatchAny(terms);
}
