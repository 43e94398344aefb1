import type { Comparison, EvalSummary, GateReport } from './result-types';
import type { Gate } from './suite';

/** Below this p a drop counts as real, not noise. */
export const SIGNIFICANCE = 0.05;

/** The name of the gate `failOn: "regression"` (a check's `gate`). */
export const REGRESSION_GATE = 'fail-on regression';

/** How many cases regressed, in the words of the regression gate ("4 cases regressed"). */
export const regressedCount = (n: number) => `${n} case${n === 1 ? '' : 's'} regressed`;

/** The suite's gate with the command line's on top (a flag wins over the suite for the same setting). */
export function mergeGates(suite: Gate | undefined, cli: Gate): Gate {
  return {
    failOn: cli.failOn ?? suite?.failOn,
    minPassRate: cli.minPassRate ?? suite?.minPassRate,
    maxDrop: { ...(suite?.maxDrop ?? {}), ...(cli.maxDrop ?? {}) },
  };
}

/**
 * Turns a run (and its comparison, when there is a baseline) into pass/fail
 * checks for CI. A gate that needs a baseline and has none is reported as
 * skipped, not failed; one whose baseline pairs no case with this run fails.
 */
export function evaluateGates(
  gate: Gate,
  result: { summary: EvalSummary; comparison?: Comparison },
  /** Where the answer holding this report lists the regressed cases (a JSON path): the failed regression gate points there rather than naming the first ten again. */
  options: { regressedListedAt?: string } = {},
): GateReport {
  const checks: GateReport['checks'] = [];
  const cmp = result.comparison;
  if (gate.failOn === 'regression') {
    if (!cmp) checks.push({ gate: REGRESSION_GATE, passed: true, skipped: true, message: 'skipped: no baseline to compare with' });
    else if (cmp.regressed.length + cmp.improved.length + cmp.unchanged.length === 0) {
      // A baseline of other cases (another dataset, a wrong file) compares nothing: "no case regressed" would pass vacuously.
      checks.push({ gate: REGRESSION_GATE, passed: false, message: 'no case of the baseline is in this eval: nothing was compared' });
    } else {
      const n = cmp.regressed.length;
      checks.push({
        gate: REGRESSION_GATE,
        passed: n === 0,
        message:
          n === 0
            ? 'no case regressed'
            : options.regressedListedAt
              ? `${regressedCount(n)} (${options.regressedListedAt} lists them)`
              : `${regressedCount(n)}: ${cmp.regressed.slice(0, 10).join(', ')}${n > 10 ? ', …' : ''}`,
      });
    }
  }
  if (gate.minPassRate !== undefined) {
    const rate = result.summary.passRate ?? 0;
    checks.push({
      gate: `min-pass-rate ${gate.minPassRate}`,
      passed: rate >= gate.minPassRate,
      message: `pass rate ${(rate * 100).toFixed(1)}% (${result.summary.passed}/${result.summary.cases}) ${rate >= gate.minPassRate ? '≥' : '<'} ${(gate.minPassRate * 100).toFixed(1)}%`,
    });
  }
  for (const [scorer, maxDrop] of Object.entries(gate.maxDrop ?? {})) {
    const name = `max-drop ${scorer}=${maxDrop}`;
    const s = cmp?.scorers[scorer];
    if (!cmp) { checks.push({ gate: name, passed: true, skipped: true, message: 'skipped: no baseline to compare with' }); continue; }
    if (!s || s.delta === null) { checks.push({ gate: name, passed: false, message: `scorer "${scorer}" has no paired cases to compare` }); continue; }
    const dropped = -s.delta > maxDrop && s.pValue < SIGNIFICANCE;
    checks.push({
      gate: name,
      passed: !dropped,
      message: `mean ${s.delta >= 0 ? '+' : ''}${s.delta.toFixed(4)} (p = ${formatP(s.pValue)}, ${s.test})${dropped ? `: dropped by more than ${maxDrop}` : ''}`,
    });
  }
  return { passed: checks.every((c) => c.passed), checks };
}

/**
 * A check's words in a report that lists the regressed cases beside it (`listed`, its comparison; `where` the list is):
 * a failed regression gate counts them, "4 cases regressed (listed above)", rather than naming them a second time.
 */
export function gateMessage(check: GateReport['checks'][number], listed?: Comparison, where: 'above' | 'below' = 'above'): string {
  return check.gate === REGRESSION_GATE && !check.passed && listed?.regressed.length ? `${regressedCount(listed.regressed.length)} (listed ${where})` : check.message;
}

export function formatP(p: number): string {
  return p < 0.0001 ? p.toExponential(2) : p.toFixed(4);
}
