import { gateMessage } from '@patchbay/evals/gates';
import { direction, interval, plain, pText, signed } from '../components/evals/verdict';
import type { GateReport, Promotion } from './deploy-api';

interface Props {
  label: string;
  promotion: Promotion;
  onOpenComparison?(holderEval: string, candidateEval: string): void;
  /** The label has moved since: the holder the check compared with is told as it was. */
  moved?: boolean;
}

/** The headline in plain words: would the label move, and why (or why not). After the move, the label as it was. */
export function headline(label: string, p: Promotion, { moved = false } = {}): string {
  const to = `v${p.to}`;
  const notSet = moved ? 'was not set before the move' : 'is not set yet';
  const holds = moved ? 'pointed at before the move' : 'points at now';
  if (p.from === null) {
    // Nothing to compare with: the gates that compare were skipped, and only those that need no comparison applied.
    const applied = (p.gates?.checks ?? []).filter((c) => !c.skipped);
    const failed = applied.filter((c) => !c.passed);
    if (failed.length) return `${label} ${notSet}, and ${to} fails ${failed.map((c) => c.gate).join(', ')}.`;
    if (!applied.length) return `${label} ${notSet}: with no version there to compare ${to} with, no gate applies, and ${to} can be the first version there.`;
    return `${label} ${notSet}, and ${to} passes ${applied.map((c) => c.gate).join(', ')}: it can be the first version there.`;
  }
  const failing = (p.gates?.checks ?? []).filter((c) => !c.passed && !c.skipped);
  if (p.gates?.passed) return `${to} is not worse than v${p.from}, which ${label} ${holds}: every gate passes.`;
  const regressed = p.comparison?.regressed.length ?? 0;
  const gates = failing.length ? `Failing gate${failing.length === 1 ? '' : 's'}: ${failing.map((c) => c.gate).join(', ')}` : 'A gate fails';
  const cases = regressed ? `: ${regressed} case${regressed === 1 ? '' : 's'} regressed` : '';
  // fail-on regression refuses a version case by case: one that is better by the paired test (9 fixed, 1 broken) is not "worse".
  const worse = Object.values(p.comparison?.scorers ?? {}).some((s) => direction(s) === 'worse');
  if (!worse) return `${to} fails a gate against v${p.from}, which ${label} ${holds}${cases}, though no scorer is worse by the paired test. ${gates}.`;
  return `${to} is worse than v${p.from}, which ${label} ${holds}${cases}. ${gates}.`;
}

/** A gate's words (the evals package's); a skipped gate says why in the panel's words; the failed regression gate counts the cases, listed below it once. */
function gateWords(c: GateReport['checks'][number], comparison: Promotion['comparison']): string {
  // A gate is skipped only for want of a version to compare with; its message ("skipped: no baseline …") would say "skipped" twice.
  if (c.skipped) return 'there is no version there to compare with';
  return gateMessage(c, comparison ?? undefined, 'below');
}

/** What the promotion's dry run found: the verdict, each gate, each scorer's paired difference, the regressed cases. */
export function Verdict({ label, promotion: p, onOpenComparison, moved }: Props) {
  const passed = p.gates?.passed === true;
  const scorers = Object.entries(p.comparison?.scorers ?? {});
  const regressed = p.comparison?.regressed ?? [];
  const { holder, candidate } = p.evalIds;
  return (
    <section className="deploy-verdict" data-testid="deploy-verdict" data-verdict={passed ? 'passed' : 'refused'} aria-labelledby="deploy-verdict-title">
      <h3 id="deploy-verdict-title">{p.from === null ? `v${p.to} on its own` : `v${p.to} compared with v${p.from}`}</h3>
      <p className={passed ? 'verdict better' : 'verdict worse'} data-testid="deploy-verdict-text">
        {headline(label, p, { moved })}
      </p>
      {p.gates && p.gates.checks.length > 0 && (
        <ul className="verdicts" aria-label="Gates">
          {p.gates.checks.map((c) => (
            <li key={c.gate} className={c.skipped ? 'muted' : c.passed ? 'gate-pass' : 'gate-fail'}>
              {c.skipped ? 'skipped' : c.passed ? 'passes' : 'fails'}: {c.gate} — {gateWords(c, p.comparison)}
            </li>
          ))}
        </ul>
      )}
      {scorers.length > 0 && (
        <ul className="verdicts" aria-label="Scorers" data-testid="deploy-scorers">
          {scorers.map(([name, s]) => {
            const dir = direction(s);
            const change = dir === 'worse' ? 'worse' : dir === 'better' ? 'better' : dir === 'same' ? 'no real difference' : 'nothing paired';
            return (
              <li key={name}>
                <strong>{name}</strong>: {plain(s.baseline)} → {plain(s.current)}, {change}
                {s.delta !== null && ` (${signed(s.delta)}, 95% CI ${interval(s.ci)}, ${pText(s.pValue)})`}
              </li>
            );
          })}
        </ul>
      )}
      {p.comparison && (
        <div data-testid="deploy-regressions">
          {regressed.length === 0 ? (
            <p className="muted">No case regressed{p.comparison.improved.length ? `; ${p.comparison.improved.length} improved` : ''}.</p>
          ) : (
            <>
              <p>
                Regressed cases ({regressed.length}){p.comparison.improved.length ? `; ${p.comparison.improved.length} improved` : ''}:
              </p>
              <ul className="regressed-cases">
                {regressed.map((id) => (
                  <li key={id}>
                    <code>{id}</code>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      {holder && candidate && onOpenComparison && (
        <button className="link-button" data-testid="deploy-open-comparison" onClick={() => onOpenComparison(holder, candidate)}>
          Open the case-by-case comparison
        </button>
      )}
    </section>
  );
}
