/**
 * The text the keyword index holds for a chunk, and that queries are split
 * from, so both sides see the same words. The chunk's own text is stored as written.
 *
 * - Characters that print as nothing inside a word in pasted text (zero-width
 *   space, non-joiner and joiner, word joiner, a BOM, a soft hyphen) are
 *   dropped: FTS5 would otherwise cut `pass\u00ADword` into `pass` and `word`.
 * - Compatibility forms are folded (NFKC): full-width `ｐａｓｓｗｏｒｄ`, half-width
 *   `ﾊﾟｽﾜｰﾄﾞ` and ligatures such as `ﬁ` are the ordinary word to FTS5, which
 *   folds case and diacritics but not these.
 * - Chinese, Japanese and Korean are written without spaces between words, so
 *   FTS5's unicode61 takes a whole run of them as one word and `密码` never
 *   matches `如何重置密码`. Each run becomes its overlapping character bigrams
 *   (`如何 何重 重置 置密 密码`; a lone character stays itself), as Lucene's
 *   CJK analyzer does: a word of two or more characters is then found wherever
 *   it stands, and bm25 ranks by the bigrams a chunk shares with the query.
 *   Bigrams rather than Intl.Segmenter words: they need no dictionary, so a
 *   stored index and a later Node's ICU never split the same text differently.
 */
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;
/** Han, Hiragana, Katakana (with its long-vowel marks) and Hangul letters. */
const CJK_RUN = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\u30FC\uFF70]+/gu;

/** Bump when keywordText changes: a file indexed with an older one has its keyword index re-read (keyword-index-upgrade.ts). */
export const KEYWORD_TEXT_VERSION = 3;

export function keywordText(text: string): string {
  return text.replace(INVISIBLE, '').normalize('NFKC').replace(CJK_RUN, (run) => ` ${bigrams(run)} `);
}

function bigrams(run: string): string {
  const chars = [...run];
  if (chars.length === 1) return run;
  const out: string[] = [];
  for (let i = 0; i < chars.length - 1; i++) out.push(chars[i] + chars[i + 1]);
  return out.join(' ');
}
