import type { EvalCase } from './dataset';
import { getScorerType } from './scorers/index';
import { caseExpected, needsCaseExpected } from './scoring';
import type { ScorerSpec } from './suite';

const isText = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : typeof v);

/**
 * Why a scorer that compares text (its `expectedText`) cannot compare with this case's expected value, or null.
 * Such a value would be compared as its JSON (`{"answer":"…"}`) and score 0 on every version, so a dataset of
 * objects scored without `expectedKey` is refused before a case runs rather than failing every case silently.
 * A case with no expected value is left to the scorer, which says so case by case.
 */
export function expectedTextProblem(scorers: readonly ScorerSpec[], c: Pick<EvalCase, 'expected'>): string | null {
  for (const spec of scorers) {
    const def = getScorerType(spec.type);
    if (!def?.expectedText || !needsCaseExpected(def, spec.params as Record<string, unknown>)) continue;
    const value = caseExpected(spec, c);
    if (value === undefined || value === null || isText(value)) continue;
    const scorer = `scorer "${spec.name}" (${spec.type})`;
    const where = spec.expectedKey === undefined ? 'the expected value' : `expected.${spec.expectedKey}`;
    if (Array.isArray(value)) {
      if (def.expectedText === 'one') return `${scorer} compares with one text, but ${where} is a list`;
      const odd = value.find((v) => !isText(v));
      if (odd === undefined) continue;
      return `${scorer} compares text, but ${where} is a list with ${kind(odd)} in it`;
    }
    const keys = Object.keys(value as Record<string, unknown>);
    const shown = `${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''}`;
    const problem = `${scorer} compares text, but ${where} is ${kind(value)}${keys.length ? ` (${shown})` : ''}`;
    if (spec.expectedKey !== undefined || keys.length === 0) return problem;
    const hint = keys.find((k) => isText((value as Record<string, unknown>)[k])) ?? keys[0];
    return `${problem}: name the field to compare with as the scorer's "expectedKey", e.g. "expectedKey": ${JSON.stringify(hint)}`;
  }
  return null;
}
