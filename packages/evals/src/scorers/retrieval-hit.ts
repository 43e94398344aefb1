import { z } from 'zod';
import { defineScorer } from './types';
import { asText, matchesEverything, preview } from './values';

interface Doc { id?: unknown; text?: unknown }

/**
 * Scores a retrieve node, not the answer: do its documents hold the expected
 * document (by id) or passage (by text)? With a list of expected items the
 * score is the share found (recall).
 */
export const retrievalHitScorer = defineScorer({
  type: 'retrieval-hit',
  description: "A retrieve node's documents contain the expected id or text (target node:<id>.documents)",
  needsExpected: true,
  expectedText: 'any-of',
  params: z.strictObject({
    value: z.union([z.string(), z.array(z.string())]).optional(),
    /** Match a document by its id, by a passage in its text, or either (default). */
    by: z.enum(['id', 'text', 'either']).default('either'),
    /** With a list: pass when any (default) or all are found. */
    mode: z.enum(['any', 'all']).default('any'),
    /** Only the first k documents count. */
    topK: z.number().int().positive().optional(),
  }),
  score({ value, expected, params }) {
    if (!Array.isArray(value)) return { score: 0, reason: `not a list of documents: ${preview(value)}` };
    const docs = (params.topK ? value.slice(0, params.topK) : value) as Doc[];
    const wanted = (Array.isArray(expected) ? expected : [expected]).map(asText);
    const vacuous = matchesEverything(wanted);
    if (vacuous) return { score: 0, reason: 'no usable expected document', error: vacuous };
    const rankOf = (w: string) => {
      const needle = w.toLowerCase();
      return docs.findIndex((d) =>
        (params.by !== 'text' && d && String(d.id ?? '') === w) ||
        (params.by !== 'id' && d && typeof d.text === 'string' && d.text.toLowerCase().includes(needle)),
      );
    };
    const ranks = wanted.map(rankOf);
    const found = ranks.filter((r) => r >= 0).length;
    const score = wanted.length ? found / wanted.length : 0;
    const pass = params.mode === 'all' ? found === wanted.length : found > 0;
    const detail = wanted.map((w, i) => `${preview(w, 40)} ${ranks[i] >= 0 ? `at rank ${ranks[i] + 1}` : 'missing'}`).join(', ');
    return { score: params.mode === 'any' && pass ? 1 : score, pass, reason: `${detail} among ${docs.length} document(s)` };
  },
});
