import path from 'node:path';
import { EXIT_FAILED, EXIT_OK, UsageError, type Command } from '../command';
import { GATE_OPTIONS, gateFlags } from '../gate-flags';

export const command: Command = {
  name: 'compare',
  summary: 'compare two eval results',
  usage: `Usage: patchbay compare BASELINE.json CURRENT.json [--json]

Pairs the cases of two results of \`patchbay eval --out\` by id (and repeat) and
prints, per scorer, the baseline and current means, the difference with a
paired bootstrap 95% interval, a paired test's p-value (exact McNemar for
pass/fail scores, sign-flip permutation otherwise) and a verdict; then the
cases that regressed (passed before, fail now) with why, those that improved,
and any case found in only one of the two. Given gates, it applies them to
CURRENT as patchbay eval and promote do.

Options:
  --fail-on regression      gate: fail when a case that passed in BASELINE fails
                            now (case by case: one such case fails it, whatever
                            the verdict says)
  --min-pass-rate X         gate: fail when less than X (0..1) of CURRENT's case
                            runs pass
  --max-drop SCORER=DELTA   gate: fail when SCORER's mean dropped by more than
                            DELTA with p < 0.05 (the verdict's test; repeatable)
  --json                    print the comparison as JSON (the gates decide only
                            the exit code)
  --debug                   show stack traces
  -h, --help                show this help

Exit codes: 0 compared (and the gates pass); 1 a gate fails; 2 bad usage, a
file that is not an eval result, or two results with no case id in common.`,
  options: { json: { type: 'boolean' }, ...GATE_OPTIONS },
  positionals: [2, 2],
  async run({ values, positionals }, io) {
    const evals = await import('@patchbay/evals');
    const gate = gateFlags(values);
    const [baseFile, curFile] = positionals;
    const read = (file: string) => evals.readResult(path.resolve(io.cwd, file)).catch((err: Error) => {
      throw err instanceof evals.ResultFileError ? new UsageError(err.message) : err;
    });
    const baseline = await read(baseFile);
    const current = await read(curFile);
    const ids = new Set(baseline.cases.map((c) => c.id));
    if (!current.cases.some((c) => ids.has(c.id))) {
      throw new UsageError(`${baseFile} and ${curFile} share no case id: there is nothing to pair (were they run on the same dataset?)`);
    }
    const comparison = evals.compareResults(baseline, current, { baselineLabel: baseFile, seed: current.seed ?? 'patchbay' });
    for (const scorer of Object.keys(gate.maxDrop ?? {})) {
      const scorers = Object.keys(comparison.scorers);
      // The comparison holds the scorers both results have: one only one of them has is not compared.
      if (!scorers.includes(scorer)) throw new UsageError(`--max-drop ${scorer}: "${scorer}" is not a scorer of both results, so it is not compared (compared: ${scorers.join(', ')})`);
    }
    // The gates of patchbay eval and promote, case by case for fail-on regression (evaluateGates).
    const gates = gate.failOn || gate.minPassRate !== undefined || Object.keys(gate.maxDrop ?? {}).length ? evals.evaluateGates(gate, { summary: current.summary, comparison }) : undefined;
    const exit = gates && !gates.passed ? EXIT_FAILED : EXIT_OK;
    if (values.json) {
      io.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
      return exit;
    }
    const header = `${baseline.pipeline.name} (${baseline.pipeline.behaviorHash.slice(0, 12)}) → ${current.pipeline.name} (${current.pipeline.behaviorHash.slice(0, 12)}), suite ${current.suite}`;
    const why = evals.regressionReasons(current, comparison.regressed);
    // The regressed cases are named once, each with why, under the comparison, which counts them.
    const lines = [header, evals.formatComparison(comparison, { regressedBelow: why.length > 0, allRegressed: gates !== undefined })];
    if (why.length) lines.push('', 'why they regressed:', ...why.map((w) => `  ${w}`));
    if (gates) lines.push('', evals.formatGates(gates, comparison));
    io.stdout.write(lines.join('\n') + '\n');
    return exit;
  },
};
