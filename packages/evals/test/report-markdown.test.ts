import { describe, expect, it } from 'vitest';
import { compareRows } from '../src/compare';
import { evaluateGates } from '../src/gates';
import { markdownReport } from '../src/report-markdown';
import type { CaseRecord, EvalResult } from '../src/result-types';
import { toScoreRow } from '../src/score-rows';
import { summarize } from '../src/summarize';

const record = (id: string, pass: boolean): CaseRecord => ({
  id, repeat: 1, status: pass ? 'passed' : 'failed', input: 'x', outputs: {}, scores: { exact: { score: pass ? 1 : 0, pass, reason: pass ? 'equal' : 'expected "y"' } }, latencyMs: 1, tokens: null, costUsd: null,
} as unknown as CaseRecord);

function head(cases: CaseRecord[], baseline?: CaseRecord[]): Omit<EvalResult, 'cases'> {
  const rows = cases.map(toScoreRow);
  return {
    suite: 's', pipeline: { name: 'p', behaviorHash: 'h'.repeat(64) }, dataset: { hash: 'd'.repeat(64), cases: cases.length },
    startedAt: '2026-12-02T00:00:00Z', finishedAt: '2026-12-02T00:00:01Z',
    summary: summarize(rows, ['exact'], { seed: 's', repeat: 1 }),
    ...(baseline ? { comparison: compareRows(baseline.map(toScoreRow), rows, { baselineLabel: 'base.json' }) } : {}),
  } as unknown as Omit<EvalResult, 'cases'>;
}

describe('Markdown report', () => {
  it('shows a case id with backticks as code, whole: the code span outlasts the backticks in it', async () => {
    const ids = ['plain', 'a`b', '``x``'];
    const current = ids.map((id) => record(id, false));
    const md = await markdownReport(head(current, ids.map((id) => record(id, true))), current);
    expect(md).toContain('| `plain` | failed |');
    expect(md).toContain('| ``a`b`` | failed |');
    expect(md).toContain('| ``` ``x`` ``` | failed |');
    expect(md).toContain('Regressed (3): `plain`, ``a`b``, ``` ``x`` ```');
  });

  it('names each regressed case once: the failed regression gate counts the cases the comparison lists', async () => {
    const ids = ['c1', 'c2', 'c3'];
    const current = ids.map((id) => record(id, false));
    const base = head(current, ids.map((id) => record(id, true)));
    const md = await markdownReport({ ...base, gates: evaluateGates({ failOn: 'regression' }, base) }, current);
    expect(md).toContain('Regressed (3): `c1`, `c2`, `c3`');
    expect(md).toContain('- ❌ `fail-on regression`: 3 cases regressed (listed above)');
    // Once in the comparison, once in the table of the cases that did not pass, with why.
    for (const id of ids) expect(md.match(new RegExp(`\\b${id}\\b`, 'g')), id).toHaveLength(2);
  });
});
