import { gateMessage } from '@patchbay/evals/gates';
import type { GateReport } from '@patchbay/evals';

// A gate is skipped only for want of a baseline (evaluateGates): said in the form's words, as the CLI says it in its flag's.
const NO_BASELINE = 'this eval had no baseline, so there is nothing to compare with';

/** The verdict on the gates in one line: how many fail, or that those that apply pass. */
export function gatesVerdict(report: GateReport): string {
  const failed = report.checks.filter((c) => !c.passed).length;
  const skipped = report.checks.filter((c) => c.skipped).length;
  if (failed) return `${failed} of ${report.checks.length} gate${report.checks.length === 1 ? '' : 's'} fail${failed === 1 ? 's' : ''}.`;
  return skipped ? `Every gate that applies passes (${skipped} skipped).` : 'Every gate passes.';
}

/** Each gate of the eval's suite with its verdict and why, worded by the evals package as patchbay eval prints it. */
export function EvalGates({ gates }: { gates: GateReport }) {
  if (gates.checks.length === 0) return null;
  return (
    <section data-testid="eval-gates" aria-labelledby="eval-gates-title">
      <h3 id="eval-gates-title">Gates</h3>
      <p className={gates.passed ? 'gate-pass' : 'gate-fail'} data-testid="eval-gates-verdict">
        {gatesVerdict(gates)}
      </p>
      <ul className="verdicts" aria-label="Gates">
        {gates.checks.map((c) => (
          <li key={c.gate} className={c.skipped ? 'muted' : c.passed ? 'gate-pass' : 'gate-fail'}>
            {c.skipped ? 'skipped' : c.passed ? 'passes' : 'fails'}: {c.gate} — {c.skipped ? NO_BASELINE : gateMessage(c)}
          </li>
        ))}
      </ul>
    </section>
  );
}
