import type { ChatMessage } from '../../engine/services';
import { terms } from './offline-terms';

export const I_DONT_KNOW = "I don't know.";

const QUESTION_LINE = /^\s*question\s*:/i;
const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

// BM25 parameters, the usual defaults.
const K1 = 1.2;
const B = 0.75;

/**
 * `offline:extractive`: the sentence of the prompt (system + user text, minus the
 * question; headings and other non-prose lines are never answers) that shares the most BM25-weighted terms with the question; the
 * earliest on a tie; "I don't know." when no sentence shares a term.
 */
export function extractiveAnswer(messages: ChatMessage[]): string {
  const lastUser = messages.findLastIndex((m) => m.role === 'user');
  if (lastUser < 0) return I_DONT_KNOW;
  const { question, rest } = splitQuestion(messages[lastUser].content ?? '');
  const context = messages
    .map((m, i) => (i === lastUser ? rest : m.role === 'system' || m.role === 'user' ? (m.content ?? '') : ''))
    .flatMap(sentencesOf);
  return bestSentence(terms(question), context) ?? I_DONT_KNOW;
}

/**
 * The question is what follows the last line starting with `Question:` (to the
 * end of the message), else the last non-empty line; the rest is what precedes it.
 */
export function splitQuestion(text: string): { question: string; rest: string } {
  const lines = text.split(/\r?\n/);
  let at = lines.findLastIndex((line) => QUESTION_LINE.test(line));
  if (at >= 0) {
    const first = lines[at].replace(QUESTION_LINE, '');
    return { question: [first, ...lines.slice(at + 1)].join('\n').trim(), rest: lines.slice(0, at).join('\n') };
  }
  at = lines.findLastIndex((line) => line.trim() !== '');
  if (at < 0) return { question: '', rest: '' };
  return { question: lines[at].trim(), rest: lines.slice(0, at).join('\n') };
}

/**
 * Sentences per line: a line break always ends a sentence (documents are often one per line).
 * Lines that are no prose (Markdown headings, rules, fenced code, lines without a letter or digit)
 * are never candidates: "# Warranty" is a title, not an answer.
 */
export function sentencesOf(text: string): string[] {
  const sentences: string[] = [];
  const lines = text.split(/\r?\n/);
  let inFence = false;
  lines.forEach((line, i) => {
    if (CODE_FENCE.test(line)) inFence = !inFence;
    else if (!inFence && isProse(line, lines[i + 1])) {
      for (const { segment } of sentenceSegmenter.segment(line)) {
        const sentence = segment.trim();
        if (sentence) sentences.push(sentence);
      }
    }
  });
  return sentences;
}

const ATX_HEADING = /^\s{0,3}#{1,6}(\s|$)/;
const RULE_OR_UNDERLINE = /^\s{0,3}([-=*_])(\s*\1){2,}\s*$/;
const SETEXT_UNDERLINE = /^\s{0,3}(=+|-+)\s*$/;
const CODE_FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const HAS_WORD = /[\p{L}\p{N}]/u;

/** A line a sentence can come from; `next` tells a setext heading ("Warranty" over "====") from prose. */
function isProse(line: string, next: string | undefined): boolean {
  if (!HAS_WORD.test(line)) return false;
  if (ATX_HEADING.test(line) || RULE_OR_UNDERLINE.test(line)) return false;
  return !(next !== undefined && SETEXT_UNDERLINE.test(next) && line.trim() !== '');
}

function bestSentence(queryTerms: string[], sentences: string[]): string | undefined {
  const query = [...new Set(queryTerms)];
  if (!query.length || !sentences.length) return undefined;
  const docs = sentences.map((s) => countTerms(terms(s)));
  const lengths = docs.map((d) => [...d.values()].reduce((a, b) => a + b, 0));
  const avgLength = lengths.reduce((a, b) => a + b, 0) / docs.length || 1;
  const idf = new Map(
    query.map((t) => {
      const n = docs.filter((d) => d.has(t)).length;
      return [t, Math.log(1 + (docs.length - n + 0.5) / (n + 0.5))];
    }),
  );
  let best: string | undefined;
  let bestScore = 0;
  docs.forEach((doc, i) => {
    let score = 0;
    for (const t of query) {
      const tf = doc.get(t) ?? 0;
      if (tf) score += idf.get(t)! * ((tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * lengths[i]) / avgLength)));
    }
    // strictly greater: the earliest sentence wins a tie
    if (score > bestScore) {
      bestScore = score;
      best = sentences[i];
    }
  });
  return best;
}

function countTerms(list: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of list) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}
