import type { EvalSummary, RepeatSummary, ScorerSummary } from './result-types';
import { groupById, type ScoreRow } from './score-rows';
import { bootstrapMeanIntervalSteps, mean, quantile } from './statistics/bootstrap';
import { runSteps, runStepsSliced, type Steps } from './statistics/steps';
import { passAtK, passHatK } from './statistics/pass-at-k';
import { wilsonInterval } from './statistics/wilson';

/**
 * The summary of a run. A scorer's mean is over every case × repeat; its
 * interval is a seeded bootstrap over cases (a case's repeats move together,
 * so they are resampled together); the pass-rate interval is Wilson's, over
 * cases too (each counting its share of passing attempts): attempts of one
 * case are not independent, and 10 of them must not narrow it like 10 cases.
 * With repeats, pass@k and pass^k use k = repeat, and flaky cases are listed.
 */
export function summarize(rows: ScoreRow[], scorerNames: string[], options: { seed: string; repeat: number }): EvalSummary {
  return runSteps(summarizeSteps(rows, scorerNames, options));
}

/** summarize with turns of the event loop between its resamples, for a server (the same summary). */
export function summarizeSliced(rows: ScoreRow[], scorerNames: string[], options: { seed: string; repeat: number }): Promise<EvalSummary> {
  return runStepsSliced(summarizeSteps(rows, scorerNames, options));
}

function* summarizeSteps(rows: ScoreRow[], scorerNames: string[], options: { seed: string; repeat: number }): Steps<EvalSummary> {
  const byCase = groupById(rows);
  const scorers: Record<string, ScorerSummary> = {};
  for (const name of scorerNames) {
    const scored = rows.filter((r) => r.scores[name]);
    const n = scored.length;
    const passes = scored.filter((r) => r.scores[name].pass).length;
    const caseMeans: number[] = [];
    /** Each case's share of passing attempts, summed: what Wilson's interval counts as passes of caseMeans.length cases. */
    let casePasses = 0;
    for (const group of byCase.values()) {
      const scored = group.filter((r) => r.scores[name]);
      if (!scored.length) continue;
      caseMeans.push(mean(scored.map((r) => r.scores[name].score)));
      casePasses += scored.filter((r) => r.scores[name].pass).length / scored.length;
    }
    const summary: ScorerSummary = {
      mean: n ? mean(scored.map((r) => r.scores[name].score)) : null,
      passRate: n ? passes / n : null,
      ci: yield* bootstrapMeanIntervalSteps(caseMeans, { seed: `${options.seed}:${name}` }),
      passCi: wilsonInterval(casePasses, caseMeans.length),
      n,
    };
    if (options.repeat > 1) {
      const k = repeatStats(byCase, options.repeat, (r) => r.scores[name]?.pass === true);
      summary.passAtK = k.passAtK;
      summary.passHatK = k.passHatK;
    }
    scorers[name] = summary;
  }
  const passed = rows.filter((r) => r.status === 'passed').length;
  const latencies = rows.map((r) => r.latencyMs).sort((a, b) => a - b);
  const summary: EvalSummary = {
    scorers,
    cases: rows.length,
    passed,
    failed: rows.length - passed,
    errors: rows.filter((r) => r.status === 'error').length,
    passRate: rows.length ? passed / rows.length : null,
    latencyMs: {
      mean: rows.length ? Math.round(mean(latencies)) : null,
      p50: rows.length ? Math.round(quantile(latencies, 0.5)) : null,
      p95: rows.length ? Math.round(quantile(latencies, 0.95)) : null,
    },
    tokens: rows.some((r) => r.tokens !== null) ? rows.reduce((sum, r) => sum + (r.tokens ?? 0), 0) : null,
    costUsd: rows.length && rows.every((r) => r.costUsd !== null) ? rows.reduce((sum, r) => sum + (r.costUsd as number), 0) : null,
  };
  if (options.repeat > 1) {
    const k = repeatStats(byCase, options.repeat, (r) => r.status === 'passed');
    summary.repeats = { k: options.repeat, passAtK: k.passAtK, passHatK: k.passHatK, flaky: k.flaky, cases: k.cases };
  }
  return summary;
}

function repeatStats(byCase: Map<string, ScoreRow[]>, k: number, passed: (row: ScoreRow) => boolean): Omit<RepeatSummary, 'k'> {
  let atK = 0;
  let hatK = 0;
  let cases = 0;
  const flaky: string[] = [];
  const perCase: RepeatSummary['cases'] = [];
  for (const [id, group] of byCase) {
    const n = group.length;
    const c = group.filter(passed).length;
    // A case cut short (a run still resuming) is judged on the attempts it has.
    const kk = Math.min(k, n);
    const at = passAtK(n, c, kk);
    const hat = passHatK(n, c, kk);
    atK += at;
    hatK += hat;
    cases++;
    perCase.push({ id, attempts: n, passed: c, passAtK: at, passHatK: hat });
    if (c > 0 && c < n) flaky.push(id);
  }
  return { passAtK: cases ? atK / cases : 0, passHatK: cases ? hatK / cases : 0, flaky, cases: perCase };
}
