import { whyNotPassed } from './case-reasons';
import { formatP, gateMessage } from './gates';
import type { CaseRecord, Comparison, EvalSummary, GateReport, ScorerComparison } from './result-types';

/** Columns padded to their widest cell; numbers right-aligned. */
export function textTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, [...cell].length); });
  const numeric = (cell: string) => /^[-+$]?[\d.,]+%?$|^\[.*\]$/.test(cell);
  return rows
    .map((row, r) => row.map((cell, i) => {
      const pad = ' '.repeat(widths[i] - [...cell].length);
      return r > 0 && numeric(cell) ? pad + cell : cell + pad;
    }).join('  ').trimEnd())
    .join('\n');
}

export const fixed = (n: number | null | undefined, digits = 3) => (n === null || n === undefined ? '–' : n.toFixed(digits));
export const percent = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${(n * 100).toFixed(1)}%`);
const interval = (ci: [number, number] | null, f: (n: number) => string) => (ci ? `[${f(ci[0])}, ${f(ci[1])}]` : '–');
const signed = (n: number | null) => (n === null ? '–' : `${n >= 0 ? '+' : ''}${n.toFixed(3)}`);

/** What a comparison says about a scorer, in plain words. */
export function verdict(s: ScorerComparison): string {
  if (s.delta === null) return 'not compared';
  if (s.pValue < 0.05 && s.delta < 0) return 'worse';
  if (s.pValue < 0.05 && s.delta > 0) return 'better';
  return 'no clear change';
}

export function formatSummary(summary: EvalSummary): string {
  const rows = [['scorer', 'mean', '95% CI', 'pass rate', '95% CI', 'n']];
  for (const [name, s] of Object.entries(summary.scorers)) {
    rows.push([name, fixed(s.mean), interval(s.ci, (n) => n.toFixed(3)), percent(s.passRate), interval(s.passCi, (n) => `${(n * 100).toFixed(1)}%`), String(s.n)]);
  }
  const lines = [textTable(rows), ''];
  const extra = [
    `latency p50 ${summary.latencyMs.p50 ?? '–'} ms, p95 ${summary.latencyMs.p95 ?? '–'} ms`,
    summary.tokens !== null ? `${summary.tokens} tokens` : null,
    summary.costUsd !== null ? `$${summary.costUsd.toFixed(4)}` : null,
  ].filter(Boolean);
  lines.push(`cases ${summary.cases}: ${summary.passed} passed, ${summary.failed} failed${summary.errors ? ` (${summary.errors} error${summary.errors === 1 ? '' : 's'})` : ''} · ${extra.join(' · ')}`);
  if (summary.repeats) {
    const r = summary.repeats;
    lines.push(`repeat ${r.k}: pass@${r.k} ${fixed(r.passAtK)} · pass^${r.k} ${fixed(r.passHatK)} · flaky ${r.flaky.length ? r.flaky.join(', ') : 'none'}`);
  }
  return lines.join('\n');
}

/**
 * The comparison: each scorer, then the regressed, improved and unchanged cases (the first 20 of a list, unless
 * `allRegressed`, for a reader who is told the regressed cases are all here; only counted with `regressedBelow`, for
 * a caller that names each below with why it regressed).
 */
export function formatComparison(cmp: Comparison, options: { allRegressed?: boolean; regressedBelow?: boolean } = {}): string {
  const rows = [['scorer', 'baseline', 'current', 'delta', '95% CI', 'p', 'test', 'verdict']];
  for (const [name, s] of Object.entries(cmp.scorers)) {
    rows.push([name, fixed(s.baseline), fixed(s.current), signed(s.delta), interval(s.ci, (n) => n.toFixed(3)), s.delta === null ? '–' : formatP(s.pValue), s.test, verdict(s)]);
  }
  const list = (label: string, ids: string[], most = 20) => `${label} (${ids.length})${ids.length ? ': ' + ids.slice(0, most).join(', ') + (ids.length > most ? ', …' : '') : ''}`;
  return [
    `compared with ${cmp.baseline}`,
    textTable(rows),
    '',
    options.regressedBelow && cmp.regressed.length ? `regressed (${cmp.regressed.length}): each below, with why` : list('regressed', cmp.regressed, options.allRegressed ? Infinity : 20),
    list('improved', cmp.improved),
    `unchanged (${cmp.unchanged.length})`,
    ...(cmp.onlyInBaseline.length ? [list('only in baseline', cmp.onlyInBaseline)] : []),
    ...(cmp.onlyInCurrent.length ? [list('only in current', cmp.onlyInCurrent)] : []),
    ...cmp.warnings.map((w) => `warning: ${w}`),
  ].join('\n');
}

/**
 * A line per gate. Printed below the comparison (`listedAbove`), a failed regression gate counts the cases
 * rather than naming them a second time.
 */
export function formatGates(report: GateReport, listedAbove?: Comparison): string {
  if (!report.checks.length) return 'gates: none set';
  return report.checks
    .map((c) => `gate ${c.skipped ? 'SKIP' : c.passed ? 'PASS' : 'FAIL'}  ${c.gate}: ${gateMessage(c, listedAbove)}`)
    .join('\n');
}

/**
 * The comparison and the gates under it, as `patchbay eval` and `patchbay promote` print them: every regressed case
 * is named once, in the comparison (all of them), and a failed regression gate counts them. One block each, in order.
 */
export function formatComparisonAndGates(cmp: Comparison | undefined, gates: GateReport | undefined): string[] {
  const blocks: string[] = [];
  if (cmp) blocks.push(formatComparison(cmp, { allRegressed: true }));
  if (gates?.checks.length) blocks.push(formatGates(gates, cmp));
  return blocks;
}

/** For each regressed case, what fails now: its error or its failing scorers' reasons. */
export function regressionReasons(current: { cases: CaseRecord[] }, regressed: string[]): string[] {
  const wanted = new Set(regressed);
  const lines: string[] = [];
  for (const c of current.cases) {
    if (!wanted.has(c.id) || c.status === 'passed') continue;
    const why = whyNotPassed(c);
    lines.push(`${c.id}${c.repeat > 1 ? ` #${c.repeat}` : ''}: ${why.replace(/\s+/g, ' ').slice(0, 300)}`);
  }
  return lines;
}
