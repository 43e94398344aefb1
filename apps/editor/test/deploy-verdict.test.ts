import { describe, expect, it } from 'vitest';
import { headline } from '../src/deploy/Verdict';
import type { Promotion } from '../src/deploy/deploy-api';

/** A refused dry run of v2 against v3 (production's), its one scorer's paired comparison as given. */
const refused = (scorer: { delta: number; pValue: number }, regressed: string[], improved: string[]): Promotion =>
  ({
    status: 'checked',
    moved: false,
    from: 3,
    to: 2,
    forced: false,
    evalIds: { candidate: 'b', holder: 'a' },
    comparison: {
      baseline: 'a',
      scorers: { mentions: { baseline: 0.5, current: 0.5 + scorer.delta, delta: scorer.delta, ci: [scorer.delta - 0.1, scorer.delta + 0.1], pValue: scorer.pValue, test: 'mcnemar-exact', n: 20 } },
      regressed,
      improved,
      unchanged: [],
      onlyInBaseline: [],
      onlyInCurrent: [],
      warnings: [],
    },
    gates: { passed: false, checks: [{ gate: 'fail-on regression', passed: false, message: `${regressed.length} cases regressed (comparison.regressed lists them)` }] },
  }) as unknown as Promotion;

describe('the Deploy verdict headline', () => {
  it('calls a refused version worse when a scorer is worse by the paired test', () => {
    const p = refused({ delta: -0.4, pValue: 0.008 }, ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'], []);
    expect(headline('production', p)).toBe('v2 is worse than v3, which production points at now: 8 cases regressed. Failing gate: fail-on regression.');
  });

  it('does not call it worse when the paired test says better (or no clear change): a gate refused it case by case', () => {
    // 1 case broke and 9 were fixed: exact McNemar p = 0.021, better; fail-on regression still fails, as in patchbay promote.
    const better = refused({ delta: 0.4, pValue: 0.021 }, ['c10'], ['c11', 'c12', 'c13', 'c14', 'c15', 'c16', 'c17', 'c18', 'c19']);
    expect(headline('production', better)).toBe(
      'v2 fails a gate against v3, which production points at now: 1 case regressed, though no scorer is worse by the paired test. Failing gate: fail-on regression.',
    );
    const unclear = refused({ delta: -0.05, pValue: 1 }, ['c1'], []);
    expect(headline('production', unclear)).toBe(
      'v2 fails a gate against v3, which production points at now: 1 case regressed, though no scorer is worse by the paired test. Failing gate: fail-on regression.',
    );
  });

  it('speaks of the label as it was once the label has moved: the check was made before', () => {
    const p = refused({ delta: -0.4, pValue: 0.008 }, ['c1'], []);
    expect(headline('production', p, { moved: true })).toBe('v2 is worse than v3, which production pointed at before the move: 1 case regressed. Failing gate: fail-on regression.');
    const first = { ...p, from: null, comparison: null, gates: { passed: true, checks: [{ gate: 'min-pass-rate 0.9', passed: true, message: '' }] } } as unknown as Promotion;
    expect(headline('staging', first)).toBe('staging is not set yet, and v2 passes min-pass-rate 0.9: it can be the first version there.');
    expect(headline('staging', first, { moved: true })).toBe('staging was not set before the move, and v2 passes min-pass-rate 0.9: it can be the first version there.');
  });
});
