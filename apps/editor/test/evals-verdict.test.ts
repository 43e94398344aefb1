import { describe, expect, it } from 'vitest';
import { defaultBaseline } from '../src/components/evals/pick-baseline';
import { casesInOrder, pText, verdict, type ScorerComparison } from '../src/components/evals/verdict';
import type { EvalListItem } from '../src/lib/evals-api';

const comparison = (patch: Partial<ScorerComparison>): ScorerComparison => ({
  baseline: 0.8,
  current: 0.5,
  delta: -0.3,
  ci: [-0.45, -0.15],
  pValue: 0.002,
  test: 'mcnemar-exact',
  n: 40,
  ...patch,
});

describe('the verdict in plain words', () => {
  it('names the side that is worse with the difference, its interval, p and the test', () => {
    expect(verdict('found-doc', comparison({}))).toBe('B is worse on found-doc: −0.30 (95% CI −0.45…−0.15), p = 0.002, exact McNemar');
  });

  it('calls a significant gain better, with a plus sign', () => {
    // Exact McNemar with 1 and 9 discordant pairs: p = 0.021484375.
    const s = comparison({ delta: 0.2, ci: [0.05, 0.35], pValue: 0.021484375, test: 'sign-flip-exact' });
    expect(verdict('mentions', s)).toBe('B is better on mentions: +0.20 (95% CI 0.05…0.35), p = 0.02, exact sign-flip permutation');
  });

  it('says "no significant difference" when p is 0.05 or more, whatever the sign of the difference', () => {
    const s = comparison({ delta: -0.1, ci: [-0.25, 0.05], pValue: 0.05 });
    expect(verdict('found-doc', s)).toBe('No significant difference on found-doc: −0.10 (95% CI −0.25…0.05), p = 0.05, exact McNemar');
  });

  it('says when nothing could be paired', () => {
    expect(verdict('x', comparison({ n: 0, delta: null, ci: null, pValue: 1, test: 'none' }))).toBe('No paired cases to compare on x');
  });

  it('writes tiny p-values as a bound', () => {
    expect(pText(0.0000123)).toBe('p < 0.001');
    expect(pText(0.0078125)).toBe('p = 0.008');
    expect(pText(0.41)).toBe('p = 0.41');
  });
});

describe('the compare view picks', () => {
  it('regressed cases first, then improved, then the rest', () => {
    const order = casesInOrder({ regressed: ['r1', 'r2'], improved: ['i1'], unchanged: ['u1'], onlyInBaseline: ['a1'], onlyInCurrent: ['b1'] });
    expect(order.map((c) => `${c.id}:${c.change}`)).toEqual(['r1:regressed', 'r2:regressed', 'i1:improved', 'a1:onlyInBaseline', 'b1:onlyInCurrent', 'u1:unchanged']);
  });

  it('the baseline an eval ran against, else the newest earlier eval of another version on the same dataset', () => {
    const item = (id: string, version: number, createdAt: string, patch: Partial<EvalListItem> = {}): EvalListItem => ({
      id,
      pipeline: 'p',
      version,
      dataset: { name: 'd', hash: 'h', cases: 3 },
      suite: 'api',
      scorers: ['s'],
      status: 'succeeded',
      progress: { done: 3, total: 3 },
      summary: null,
      baseline: null,
      error: null,
      createdAt,
      finishedAt: createdAt,
      ...patch,
    });
    const newest = item('e4', 3, '2026-01-04T00:00:00Z');
    const history = [
      newest,
      item('e3', 3, '2026-01-03T00:00:00Z'),
      item('e2', 2, '2026-01-02T00:00:00Z'),
      item('other', 1, '2026-01-02T12:00:00Z', { dataset: { name: 'elsewhere', hash: 'x', cases: 1 } }),
      item('e1', 1, '2026-01-01T00:00:00Z'),
    ];
    expect(defaultBaseline(history, newest)).toBe('e2');
    expect(defaultBaseline(history, { ...newest, baseline: 'e1' })).toBe('e1');
    expect(defaultBaseline(history, history[4])).toBeUndefined();
  });
});
