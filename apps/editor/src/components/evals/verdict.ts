import type { Comparison, PairedTest, ScorerComparison as FullScorerComparison } from '../../lib/evals-api';

/** What the verdict reads of a scorer's comparison (the pass-rate comparison, `pass`, is shown apart). */
export type ScorerComparison = Omit<FullScorerComparison, 'pass'>;

/** Below this p a difference is called real rather than noise (the gates use the same mark). */
export const SIGNIFICANCE = 0.05;

const TEST_NAMES: Record<PairedTest, string> = {
  'mcnemar-exact': 'exact McNemar',
  'sign-flip-exact': 'exact sign-flip permutation',
  'sign-flip-monte-carlo': 'sign-flip permutation (Monte Carlo)',
  none: 'no test',
};

export const testName = (test: PairedTest): string => TEST_NAMES[test] ?? test;

/** A typographic minus, so −0.30 reads as a number and lines up with +0.30. */
const minus = (text: string) => text.replace(/^-/, '−');

export function signed(n: number, digits = 2): string {
  const text = Math.abs(n).toFixed(digits);
  if (Number(text) === 0) return text;
  return `${n < 0 ? '−' : '+'}${text}`;
}

export const plain = (n: number | null | undefined, digits = 2): string => (n === null || n === undefined ? '–' : minus(n.toFixed(digits)));

export const interval = (ci: [number, number] | null | undefined, digits = 2): string => (ci ? `${plain(ci[0], digits)}…${plain(ci[1], digits)}` : '–');

/** `0.002`, `0.41`, `< 0.001`: three decimals only where two would read as 0. */
export function pNumber(p: number): string {
  if (p < 0.001) return '< 0.001';
  return p < 0.01 ? p.toFixed(3) : p.toFixed(2);
}

/** `p = 0.002`, `p = 0.41`, `p < 0.001`. */
export const pText = (p: number): string => (p < 0.001 ? `p ${pNumber(p)}` : `p = ${pNumber(p)}`);

export type Direction = 'worse' | 'better' | 'same' | 'none';

export function direction(s: ScorerComparison): Direction {
  if (s.n === 0 || s.delta === null) return 'none';
  if (s.pValue >= SIGNIFICANCE || s.delta === 0) return 'same';
  return s.delta < 0 ? 'worse' : 'better';
}

/**
 * One scorer's comparison in plain words, B (current) against A (baseline):
 * "B is worse on found-doc: −0.30 (95% CI −0.45…−0.15), p = 0.002, exact McNemar",
 * or "No significant difference on found-doc: …" when p ≥ 0.05.
 */
export function verdict(scorer: string, s: ScorerComparison): string {
  const dir = direction(s);
  if (dir === 'none') return `No paired cases to compare on ${scorer}`;
  const numbers = `${signed(s.delta!)} (95% CI ${interval(s.ci)}), ${pText(s.pValue)}, ${testName(s.test)}`;
  if (dir === 'same') return `No significant difference on ${scorer}: ${numbers}`;
  return `B is ${dir} on ${scorer}: ${numbers}`;
}

export type CaseChange = 'regressed' | 'improved' | 'unchanged' | 'onlyInBaseline' | 'onlyInCurrent';

/** Every case of a comparison with what happened to it, regressions first, then improvements, then the rest. */
export function casesInOrder(cmp: Pick<Comparison, CaseChange>): Array<{ id: string; change: CaseChange }> {
  const order: CaseChange[] = ['regressed', 'improved', 'onlyInBaseline', 'onlyInCurrent', 'unchanged'];
  return order.flatMap((change) => cmp[change].map((id) => ({ id, change })));
}

export const CHANGE_LABELS: Record<CaseChange, string> = {
  regressed: 'regressed',
  improved: 'improved',
  unchanged: 'unchanged',
  onlyInBaseline: 'only in A',
  onlyInCurrent: 'only in B',
};
