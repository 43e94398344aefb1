import path from 'node:path';
import { UsageError, type Command } from '../command';

export const command: Command = {
  name: 'compare',
  summary: 'compare two eval results',
  usage: `Usage: patchbay compare BASELINE.json CURRENT.json [--json]

Pairs the cases of two results of \`patchbay eval --out\` by id (and repeat) and
prints, per scorer, the baseline and current means, the difference with a
paired bootstrap 95% interval, a paired test's p-value (exact McNemar for
pass/fail scores, sign-flip permutation otherwise) and a verdict; then the
cases that regressed (passed before, fail now) with why, those that improved,
and any case found in only one of the two.

Options:
  --json        print the comparison as JSON
  --debug       show stack traces
  -h, --help    show this help

Exit codes: 0 compared; 2 bad usage, a file that is not an eval result, or two
results with no case id in common.`,
  options: { json: { type: 'boolean' } },
  positionals: [2, 2],
  async run({ values, positionals }, io) {
    const evals = await import('@patchbay/evals');
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
    if (values.json) {
      io.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
      return 0;
    }
    const header = `${baseline.pipeline.name} (${baseline.pipeline.behaviorHash.slice(0, 12)}) → ${current.pipeline.name} (${current.pipeline.behaviorHash.slice(0, 12)}), suite ${current.suite}`;
    const lines = [header, evals.formatComparison(comparison)];
    const why = evals.regressionReasons(current, comparison.regressed);
    if (why.length) lines.push('', 'why they regressed:', ...why.map((w) => `  ${w}`));
    io.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
