import { describe, expect, it } from 'vitest';
import { compareRows } from '../src/compare';
import { evaluateGates, mergeGates } from '../src/gates';
import type { ScoreRow } from '../src/score-rows';
import { summarize } from '../src/summarize';
import { wilsonInterval } from '../src/statistics/wilson';

function row(id: string, pass: boolean, score = pass ? 1 : 0, repeat = 1, name = 'ok'): ScoreRow {
  return { id, repeat, status: pass ? 'passed' : 'failed', scores: { [name]: { score, pass } }, latencyMs: 10, tokens: 5, costUsd: 0.001 };
}

/** 20 cases: 10 pass in both, 1 only in the baseline (regressed), 9 only now (improved). */
function mcnemarPair() {
  const base: ScoreRow[] = [];
  const cur: ScoreRow[] = [];
  for (let i = 0; i < 20; i++) {
    const id = `c${i}`;
    const before = i < 11;
    const after = i < 10 || i >= 11;
    base.push(row(id, before));
    cur.push(row(id, after));
  }
  return { base, cur };
}

describe('comparison', () => {
  it('does not depend on the order the current cases finished in (same numbers, lists in baseline order)', () => {
    const base = Array.from({ length: 30 }, (_, i) => row(`c${i}`, i % 3 !== 0, (i % 7) / 6));
    const cur = Array.from({ length: 30 }, (_, i) => row(`c${i}`, i % 4 !== 0, (i % 5) / 4));
    const inOrder = compareRows(base, cur, { baselineLabel: 'b', seed: 's' });
    const shuffled = compareRows(base, [...cur].reverse(), { baselineLabel: 'b', seed: 's' });
    expect(shuffled).toEqual(inOrder);
    expect(inOrder.regressed).toEqual([...inOrder.regressed].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
  });

  it('pass/fail scorers use exact McNemar: 1 vs 9 discordant → p = 0.021484375', () => {
    const { base, cur } = mcnemarPair();
    const cmp = compareRows(base, cur, { baselineLabel: 'base.json', seed: 's' });
    const ok = cmp.scorers.ok;
    expect(ok.test).toBe('mcnemar-exact');
    expect(ok.pValue).toBe(0.021484375);
    expect(ok.delta).toBeCloseTo(0.4, 12);
    expect(ok.n).toBe(20);
    expect(ok.ci![0]).toBeGreaterThan(0);
    expect(ok.ci![1]).toBeLessThanOrEqual(0.8);
    expect(ok.pass).toMatchObject({ regressed: 1, improved: 9, pValue: 0.021484375 });
    expect(cmp.regressed).toEqual(['c10']);
    expect(cmp.improved).toEqual(['c11', 'c12', 'c13', 'c14', 'c15', 'c16', 'c17', 'c18', 'c19']);
    expect(cmp.unchanged).toHaveLength(10);
  });

  it('is seeded: the same inputs give the same interval', () => {
    const { base, cur } = mcnemarPair();
    const a = compareRows(base, cur, { baselineLabel: 'b', seed: 'one' });
    const b = compareRows(base, cur, { baselineLabel: 'b', seed: 'one' });
    expect(a).toEqual(b);
  });

  it('graded scorers use the sign-flip permutation test on the scores', () => {
    const base = [0.5, 0.6, 0.4, 0.7, 0.5].map((s, i) => row(`c${i}`, s >= 0.5, s));
    const cur = [0.7, 0.8, 0.5, 0.9, 0.6].map((s, i) => row(`c${i}`, s >= 0.5, s));
    const cmp = compareRows(base, cur, { baselineLabel: 'b' });
    expect(cmp.scorers.ok.test).toBe('sign-flip-exact');
    // all five differences positive: 2 of 32 patterns are as extreme
    expect(cmp.scorers.ok.pValue).toBe(0.0625);
    expect(cmp.scorers.ok.delta).toBeCloseTo(0.16, 12);
  });

  it('lists cases found in one result only, never drops them, and pairs by id and repeat', () => {
    const base = [row('a', true), row('b', true), row('gone', true)];
    const cur = [row('b', false), row('a', true), row('new', false)];
    const cmp = compareRows(base, cur, { baselineLabel: 'b' });
    expect(cmp.onlyInBaseline).toEqual(['gone']);
    expect(cmp.onlyInCurrent).toEqual(['new']);
    expect(cmp.regressed).toEqual(['b']);
    expect(cmp.unchanged).toEqual(['a']);
    expect(cmp.scorers.ok.n).toBe(2);
  });

  it('with repeats a case regresses when fewer of its attempts pass', () => {
    const base = [row('a', true, 1, 1), row('a', true, 1, 2), row('b', false, 0, 1), row('b', true, 1, 2)];
    const cur = [row('a', true, 1, 1), row('a', false, 0, 2), row('b', true, 1, 1), row('b', true, 1, 2)];
    const cmp = compareRows(base, cur, { baselineLabel: 'b' });
    expect(cmp.regressed).toEqual(['a']);
    expect(cmp.improved).toEqual(['b']);
    expect(cmp.scorers.ok.n).toBe(4);
  });

  it('with repeats the case is the unit: ten attempts of one case that got better are one case, not ten independent pairs', () => {
    const attempts = (id: string, pass: boolean, score = pass ? 1 : 0) => Array.from({ length: 10 }, (_, r) => row(id, pass, score, r + 1));
    const base = [...attempts('a', false), ...attempts('b', true)];
    const cur = [...attempts('a', true), ...attempts('b', true)];
    const s = compareRows(base, cur, { baselineLabel: 'b' }).scorers.ok;
    // per attempt: McNemar on 10 discordant pairs, p = 0.002, "better" on the strength of a single case
    expect(s.test).toBe('mcnemar-exact');
    expect(s.pValue).toBe(1);
    expect(s.pass).toMatchObject({ baseline: 0.5, current: 1, delta: 0.5, pValue: 1, improved: 1, regressed: 0 });
    expect(s.delta).toBe(0.5);
    // two cases: resampled means are 0, 0.5 or 1
    expect(s.ci).toEqual([0, 1]);
    expect(s.n).toBe(20);
    // graded scores: the sign-flip test counts cases too
    const graded = compareRows([...attempts('a', false, 0.2), ...attempts('b', true, 0.9)], [...attempts('a', true, 0.7), ...attempts('b', true, 0.9)], { baselineLabel: 'b' }).scorers.ok;
    expect(graded.test).toBe('sign-flip-exact');
    expect(graded.pValue).toBe(1);
    // attempts that differ within a case: its pass share is what is compared (2 of 3 → 3 of 3 is better, not a pass)
    const mixed = compareRows(
      [row('a', true, 1, 1), row('a', true, 1, 2), row('a', false, 0, 3), row('b', true, 1, 1), row('b', true, 1, 2), row('b', true, 1, 3)],
      [row('a', true, 1, 1), row('a', true, 1, 2), row('a', true, 1, 3), row('b', true, 1, 1), row('b', true, 1, 2), row('b', true, 1, 3)],
      { baselineLabel: 'b' },
    ).scorers.ok;
    expect(mixed.test).toBe('sign-flip-exact');
    expect(mixed.pass.improved).toBe(1);
    expect(mixed.pValue).toBe(1);
  });

  it('says so when the two ran a different number of attempts per case: only the attempts both ran are paired', () => {
    const base = ['a', 'b'].flatMap((id) => [1, 2, 3].map((r) => row(id, true, 1, r)));
    const cur = [row('a', false), row('b', true)];
    const cmp = compareRows(base, cur, { baselineLabel: 'b' });
    expect(cmp.scorers.ok.n).toBe(2);
    expect(cmp.warnings).toEqual(['the baseline ran up to 3 attempts of a case and this run 1: only the attempts both ran are paired (4 of the baseline\'s are left out)']);
    expect(compareRows(cur, base, { baselineLabel: 'b' }).warnings).toEqual(['the baseline ran up to 1 attempt of a case and this run 3: only the attempts both ran are paired (4 of this run\'s are left out)']);
    expect(compareRows(base, base, { baselineLabel: 'b' }).warnings).toEqual([]);
  });

  it('warns about a scorer only one side has', () => {
    const cmp = compareRows([row('a', true)], [row('a', true, 1, 1, 'other')], { baselineLabel: 'b' });
    expect(cmp.warnings).toEqual(['scorer "other" is not in the baseline', 'scorer "ok" is only in the baseline']);
  });
});

describe('summary', () => {
  it('with repeats the pass-rate interval counts cases, as the mean interval does: 2 cases passing 10 of 10 attempts are 2 cases, not 20', () => {
    const rows = ['a', 'b'].flatMap((id) => Array.from({ length: 10 }, (_, r) => row(id, true, 1, r + 1)));
    const s = summarize(rows, ['ok'], { seed: 's', repeat: 10 }).scorers.ok;
    expect(s.passRate).toBe(1);
    expect(s.passCi).toEqual(wilsonInterval(2, 2));
    expect(s.passCi![0]).toBeLessThan(0.5);
    // a case's share of passing attempts is what it adds: 1 of 2 attempts and 2 of 2
    const mixed = summarize([row('a', true, 1, 1), row('a', false, 0, 2), row('b', true, 1, 1), row('b', true, 1, 2)], ['ok'], { seed: 's', repeat: 2 }).scorers.ok;
    expect(mixed.passCi).toEqual(wilsonInterval(1.5, 2));
  });

  it('mean, pass rate, Wilson and bootstrap intervals, counts', () => {
    const rows = [...Array.from({ length: 8 }, (_, i) => row(`p${i}`, true)), row('f1', false), { ...row('e1', false), status: 'error' as const }];
    const s = summarize(rows, ['ok'], { seed: 's', repeat: 1 });
    expect(s).toMatchObject({ cases: 10, passed: 8, failed: 2, errors: 1, passRate: 0.8 });
    expect(s.scorers.ok.mean).toBeCloseTo(0.8, 12);
    expect(s.scorers.ok.passCi[0]).toBeCloseTo(0.4902, 4);
    expect(s.scorers.ok.passCi[1]).toBeCloseTo(0.9433, 4);
    expect(s.scorers.ok.ci![0]).toBeLessThan(0.8);
    expect(s.scorers.ok.ci![1]).toBeGreaterThan(0.8);
    expect(s.tokens).toBe(50);
    expect(s.costUsd).toBeCloseTo(0.01, 12);
    expect(summarize(rows, ['ok'], { seed: 's', repeat: 1 })).toEqual(s);
  });

  it('with repeats: pass@k, pass^k and the flaky cases', () => {
    const rows = [
      row('always', true, 1, 1), row('always', true, 1, 2), row('always', true, 1, 3),
      row('flaky', true, 1, 1), row('flaky', false, 0, 2), row('flaky', true, 1, 3),
      row('never', false, 0, 1), row('never', false, 0, 2), row('never', false, 0, 3),
    ];
    const s = summarize(rows, ['ok'], { seed: 's', repeat: 3 });
    expect(s.repeats).toMatchObject({ k: 3, passAtK: 2 / 3, passHatK: 1 / 3, flaky: ['flaky'] });
    expect(s.repeats!.cases).toEqual([
      { id: 'always', attempts: 3, passed: 3, passAtK: 1, passHatK: 1 },
      { id: 'flaky', attempts: 3, passed: 2, passAtK: 1, passHatK: 0 },
      { id: 'never', attempts: 3, passed: 0, passAtK: 0, passHatK: 0 },
    ]);
    expect(s.scorers.ok.passAtK).toBeCloseTo(2 / 3, 12);
    expect(s.scorers.ok.passHatK).toBeCloseTo(1 / 3, 12);
  });
});

describe('gates', () => {
  const { base, cur } = mcnemarPair();
  const summary = summarize(cur, ['ok'], { seed: 's', repeat: 1 });
  const comparison = compareRows(base, cur, { baselineLabel: 'b' });

  it('fail-on regression fails when any case regressed', () => {
    const r = evaluateGates({ failOn: 'regression' }, { summary, comparison });
    expect(r.passed).toBe(false);
    expect(r.checks[0].message).toBe('1 case regressed: c10');
  });

  it('min-pass-rate compares the share of passing cases', () => {
    expect(evaluateGates({ minPassRate: 0.96 }, { summary }).passed).toBe(false);
    expect(evaluateGates({ minPassRate: 0.96 }, { summary }).checks[0].message).toBe('pass rate 95.0% (19/20) < 96.0%');
    expect(evaluateGates({ minPassRate: 0.95 }, { summary }).passed).toBe(true);
  });

  it('max-drop fails only for a drop larger than DELTA with p < 0.05', () => {
    // Reversed: the current run is the old baseline, so "ok" dropped by 0.4 with p ≈ 0.021.
    const dropped = compareRows(cur, base, { baselineLabel: 'b' });
    const s = summarize(base, ['ok'], { seed: 's', repeat: 1 });
    expect(evaluateGates({ maxDrop: { ok: 0.1 } }, { summary: s, comparison: dropped }).passed).toBe(false);
    expect(evaluateGates({ maxDrop: { ok: 0.5 } }, { summary: s, comparison: dropped }).passed).toBe(true);
    // A drop of 1 case in 2 is not significant whatever its size.
    const small = compareRows([row('a', true), row('b', true)], [row('a', false), row('b', true)], { baselineLabel: 'b' });
    expect(evaluateGates({ maxDrop: { ok: 0.1 } }, { summary: s, comparison: small }).passed).toBe(true);
  });

  it('gates that need a baseline are skipped without one; flags win over the suite', () => {
    const r = evaluateGates({ failOn: 'regression', maxDrop: { ok: 0.1 } }, { summary });
    expect(r.passed).toBe(true);
    expect(r.checks.every((c) => c.skipped)).toBe(true);
    expect(mergeGates({ minPassRate: 0.5, maxDrop: { a: 0.1 } }, { minPassRate: 0.9, maxDrop: { b: 0.2 } })).toEqual({
      failOn: undefined, minPassRate: 0.9, maxDrop: { a: 0.1, b: 0.2 },
    });
  });
});
