import type { Comparison, EvalResult, PairedTest, ScorerComparison } from './result-types';
import { groupById, rowKey, toScoreRow, type ScoreRow } from './score-rows';
import { mean, pairedBootstrapInterval } from './statistics/bootstrap';
import { exactMcNemar } from './statistics/mcnemar';
import { signFlipTest } from './statistics/sign-flip';

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
 * and a paired test: exact McNemar when the scores are pass/fail (0 or 1),
 * a sign-flip permutation test on the scores otherwise. Cases are listed as
 * regressed (passed before, fails now), improved or unchanged — with repeats,
 * by their share of passing attempts — and those in only one run are listed,
 * never dropped.
 */
export function compareRows(baseline: ScoreRow[], current: ScoreRow[], options: CompareOptions): Comparison {
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
  for (const name of names) scorers[name] = compareScorer(pairs, name, `${seed}:${name}`);

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

function compareScorer(pairs: Array<[ScoreRow, ScoreRow]>, name: string, seed: string): ScorerComparison {
  const both = pairs.filter(([b, c]) => b.scores[name] && c.scores[name]);
  const a = both.map(([b]) => b.scores[name].score);
  const c = both.map(([, cur]) => cur.scores[name].score);
  const aPass = both.map(([b]) => b.scores[name].pass);
  const cPass = both.map(([, cur]) => cur.scores[name].pass);
  let lost = 0, gained = 0;
  for (let i = 0; i < both.length; i++) {
    if (aPass[i] && !cPass[i]) lost++;
    if (!aPass[i] && cPass[i]) gained++;
  }
  const n = both.length;
  const passMcNemar = exactMcNemar(lost, gained);
  const passRate = (p: boolean[]) => (n ? p.filter(Boolean).length / n : null);
  const pass = {
    baseline: passRate(aPass),
    current: passRate(cPass),
    delta: n ? (passRate(cPass) as number) - (passRate(aPass) as number) : null,
    pValue: passMcNemar,
    regressed: lost,
    improved: gained,
  };
  if (n === 0) return { baseline: null, current: null, delta: null, ci: null, pValue: 1, test: 'none', n, pass };

  const binary = [...a, ...c].every((s) => s === 0 || s === 1);
  let pValue: number;
  let test: PairedTest;
  if (binary) {
    // Pass/fail scores: McNemar on the discordant pairs of the scores themselves.
    let down = 0, up = 0;
    for (let i = 0; i < n; i++) {
      if (a[i] === 1 && c[i] === 0) down++;
      if (a[i] === 0 && c[i] === 1) up++;
    }
    pValue = exactMcNemar(down, up);
    test = 'mcnemar-exact';
  } else {
    const sf = signFlipTest(c.map((x, i) => x - a[i]), { seed });
    pValue = sf.pValue;
    test = sf.exact ? 'sign-flip-exact' : 'sign-flip-monte-carlo';
  }
  return {
    baseline: mean(a),
    current: mean(c),
    delta: mean(c) - mean(a),
    ci: pairedBootstrapInterval(a, c, { seed }),
    pValue,
    test,
    n,
    pass,
  };
}
