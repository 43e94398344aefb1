import type { Comparison, EvalResult, PairedTest, ScorerComparison } from './result-types';
import { groupById, rowKey, toScoreRow, type ScoreRow } from './score-rows';
import { mean, pairedBootstrapIntervalSteps } from './statistics/bootstrap';
import { exactMcNemar } from './statistics/mcnemar';
import { signFlipTestSteps } from './statistics/sign-flip';
import { runSteps, runStepsSliced, type Steps } from './statistics/steps';

export interface CompareOptions {
  /** Names the baseline in the report (its file or stored id). */
  baselineLabel: string;
  seed?: string;
  /** Scorers to compare; default: those both results have. */
  scorers?: string[];
  warnings?: string[];
}

/**
 * Pairs two runs' records by case id and repeat, and per scorer reports the
 * mean difference (current − baseline) with a paired bootstrap 95% interval
 * and a paired test over cases (a case's attempts averaged per side, see
 * caseUnits): exact McNemar when the values are pass/fail (0 or 1), a
 * sign-flip permutation test on the differences otherwise. Cases are listed as
 * regressed (passed before, fails now), improved or unchanged — with repeats,
 * by their share of passing attempts — and those in only one run are listed,
 * never dropped.
 */
export function compareRows(baseline: ScoreRow[], current: ScoreRow[], options: CompareOptions): Comparison {
  return runSteps(compareRowsSteps(baseline, current, options));
}

/** compareRows with turns of the event loop between its resamples, for a server (the same comparison). */
export function compareRowsSliced(baseline: ScoreRow[], current: ScoreRow[], options: CompareOptions): Promise<Comparison> {
  return runStepsSliced(compareRowsSteps(baseline, current, options));
}

function* compareRowsSteps(baseline: ScoreRow[], current: ScoreRow[], options: CompareOptions): Steps<Comparison> {
  const seed = options.seed ?? 'patchbay';
  const warnings = [...(options.warnings ?? [])];
  // Pairs in the baseline's order, never in the order cases happened to finish: the seeded
  // statistics and the id lists must come out the same for the same results.
  const curByKey = new Map(current.map((r) => [rowKey(r), r]));
  const pairs: Array<[ScoreRow, ScoreRow]> = [];
  for (const row of baseline) {
    const c = curByKey.get(rowKey(row));
    if (c) pairs.push([row, c]);
  }
  warnAboutUnpairedAttempts(baseline, current, pairs.length, warnings);
  const baseNames = scorerNamesOf(baseline);
  const curNames = scorerNamesOf(current);
  const names = options.scorers ?? curNames.filter((n) => baseNames.includes(n));
  for (const n of names) if (!baseNames.includes(n)) warnings.push(`scorer "${n}" is not in the baseline`);
  for (const n of curNames) if (!names.includes(n)) warnings.push(`scorer "${n}" is not in the baseline`);
  for (const n of baseNames) if (!curNames.includes(n) && !names.includes(n)) warnings.push(`scorer "${n}" is only in the baseline`);

  const scorers: Record<string, ScorerComparison> = {};
  for (const name of names) scorers[name] = yield* compareScorer(pairs, name, `${seed}:${name}`);

  const baseIds = groupById(baseline);
  const curIds = groupById(current);
  const regressed: string[] = [], improved: string[] = [], unchanged: string[] = [];
  const pairsById = groupById(pairs.map(([b, c]) => ({ id: c.id, b, c })));
  for (const [id, group] of pairsById) {
    const before = group.filter((p) => p.b.status === 'passed').length;
    const after = group.filter((p) => p.c.status === 'passed').length;
    (after < before ? regressed : after > before ? improved : unchanged).push(id);
  }
  const onlyInBaseline = [...baseIds.keys()].filter((id) => !curIds.has(id));
  const onlyInCurrent = [...curIds.keys()].filter((id) => !baseIds.has(id));
  return { baseline: options.baselineLabel, scorers, regressed, improved, unchanged, onlyInBaseline, onlyInCurrent, warnings };
}

/** Compares two result files' contents; warns when they ran on different datasets. */
export function compareResults(baseline: EvalResult, current: EvalResult, options: Omit<CompareOptions, 'warnings'>): Comparison {
  const warnings: string[] = [];
  if (baseline.dataset?.hash && current.dataset?.hash && baseline.dataset.hash !== current.dataset.hash) {
    warnings.push('the two results ran on different datasets (content hashes differ); only cases with the same id are paired');
  }
  return compareRows(baseline.cases.map(toScoreRow), current.cases.map(toScoreRow), { ...options, warnings });
}

/** Runs with another `repeat` pair only the attempts both ran: the rest would be left out without a word. */
function warnAboutUnpairedAttempts(baseline: ScoreRow[], current: ScoreRow[], paired: number, warnings: string[]) {
  const curIds = new Set(current.map((r) => r.id));
  const baseIds = new Set(baseline.map((r) => r.id));
  const baseLeft = baseline.filter((r) => curIds.has(r.id)).length - paired;
  const curLeft = current.filter((r) => baseIds.has(r.id)).length - paired;
  if (baseLeft === 0 && curLeft === 0) return;
  const most = (rows: ScoreRow[]) => rows.reduce((m, r) => Math.max(m, r.repeat), 0);
  const attempts = (n: number) => `${n} attempt${n === 1 ? '' : 's'}`;
  const left = [baseLeft ? `${baseLeft} of the baseline's` : '', curLeft ? `${curLeft} of this run's` : ''].filter(Boolean).join(' and ');
  warnings.push(`the baseline ran up to ${attempts(most(baseline))} of a case and this run ${most(current)}: only the attempts both ran are paired (${left} are left out)`);
}

function scorerNamesOf(rows: ScoreRow[]): string[] {
  const names = new Set<string>();
  for (const r of rows) for (const n of Object.keys(r.scores)) names.add(n);
  return [...names];
}

/** One case's attempts that both runs made, averaged per side (one attempt without repeats). */
interface CaseUnit {
  a: number;
  c: number;
  aPass: number;
  cPass: number;
}

/**
 * Attempts of one case share its input and are not independent draws, so the case is the unit
 * of the interval and of the tests: ten attempts of one case that got better are one case that
 * got better, not ten (which would make a single case "significant"). Without repeats each case
 * is its one pair, as before.
 */
function caseUnits(pairs: Array<[ScoreRow, ScoreRow]>, name: string): { units: CaseUnit[]; records: number } {
  const sums = new Map<string, CaseUnit & { k: number }>();
  let records = 0;
  for (const [b, cur] of pairs) {
    const before = b.scores[name];
    const after = cur.scores[name];
    if (!before || !after) continue;
    records++;
    let sum = sums.get(b.id);
    if (!sum) sums.set(b.id, (sum = { a: 0, c: 0, aPass: 0, cPass: 0, k: 0 }));
    sum.a += before.score;
    sum.c += after.score;
    sum.aPass += before.pass ? 1 : 0;
    sum.cPass += after.pass ? 1 : 0;
    sum.k++;
  }
  const units = [...sums.values()].map(({ a, c, aPass, cPass, k }) => ({ a: a / k, c: c / k, aPass: aPass / k, cPass: cPass / k }));
  return { units, records };
}

/** Exact McNemar on the discordant cases when every value is 0 or 1; otherwise the sign-flip test on the differences. */
function* pairedTest(a: number[], c: number[], seed: string): Steps<{ pValue: number; test: PairedTest }> {
  if ([...a, ...c].every((x) => x === 0 || x === 1)) {
    let down = 0, up = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === 1 && c[i] === 0) down++;
      if (a[i] === 0 && c[i] === 1) up++;
    }
    return { pValue: exactMcNemar(down, up), test: 'mcnemar-exact' };
  }
  const sf = yield* signFlipTestSteps(c.map((x, i) => x - a[i]), { seed });
  return { pValue: sf.pValue, test: sf.exact ? 'sign-flip-exact' : 'sign-flip-monte-carlo' };
}

function* compareScorer(pairs: Array<[ScoreRow, ScoreRow]>, name: string, seed: string): Steps<ScorerComparison> {
  const { units, records: n } = caseUnits(pairs, name);
  const aPass = units.map((u) => u.aPass);
  const cPass = units.map((u) => u.cPass);
  const some = units.length > 0;
  const pass = {
    baseline: some ? mean(aPass) : null,
    current: some ? mean(cPass) : null,
    delta: some ? mean(cPass) - mean(aPass) : null,
    pValue: (yield* pairedTest(aPass, cPass, `${seed}:pass`)).pValue,
    regressed: units.filter((u) => u.cPass < u.aPass).length,
    improved: units.filter((u) => u.cPass > u.aPass).length,
  };
  if (!some) return { baseline: null, current: null, delta: null, ci: null, pValue: 1, test: 'none', n, pass };
  const a = units.map((u) => u.a);
  const c = units.map((u) => u.c);
  const { pValue, test } = yield* pairedTest(a, c, seed);
  const ci = yield* pairedBootstrapIntervalSteps(a, c, { seed });
  return { baseline: mean(a), current: mean(c), delta: mean(c) - mean(a), ci, pValue, test, n, pass };
}
