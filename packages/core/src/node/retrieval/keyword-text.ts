/**
 * The text the keyword index holds for a chunk, and that queries are split
 * from, so both sides see the same words. Characters that print as nothing
 * inside a word in pasted text (zero-width space, non-joiner and joiner, word
 * joiner, a BOM, a soft hyphen) are dropped: FTS5 would otherwise cut
 * `pass\u00ADword` into `pass` and `word`. The chunk's own text is stored as written.
 */
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;

/** Bump when keywordText changes: a file indexed with an older one has its keyword index re-read (keyword-index-upgrade.ts). */
export const KEYWORD_TEXT_VERSION = 1;

export function keywordText(text: string): string {
  return text.replace(INVISIBLE, '');
}
