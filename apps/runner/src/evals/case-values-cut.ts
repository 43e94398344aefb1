import type { CaseRecord } from '@patchbay/evals';
import { ValueCut } from '../runs/value-cut';

/**
 * `?cut=N` on GET /api/evals/:id: each case's input fields, expected, outputs and targets longer than N characters
 * come as the runs' placeholder (runs/value-cut.ts). 200 cases answering 80 KB each made the result 20 MB, read
 * whole to lay out a table that shows the start of each. The whole value is the case's run's
 * (GET /api/runs/{runId}/values/{hash}): a case's input, outputs and targets are its run's values, so their hashes are the same;
 * its expected is the dataset's.
 */
export function cutCases(cases: CaseRecord[], limit: number, redact: (json: string) => string): CaseRecord[] {
  const cut = new ValueCut(limit, redact);
  // By field, as a run's values are: a case's input {question: …} keeps its shape, its long question cut.
  const fields = (values: unknown) => (values !== null && typeof values === 'object' && !Array.isArray(values) ? cut.ports(values as Record<string, unknown>) : cut.value(values));
  return cases.map((c) => ({
    ...c,
    ...(c.input !== undefined ? { input: fields(c.input) } : {}),
    ...(c.expected !== undefined ? { expected: cut.value(c.expected) } : {}),
    outputs: fields(c.outputs) as Record<string, unknown>,
    ...(c.targets ? { targets: fields(c.targets) as Record<string, unknown> } : {}),
  }));
}
