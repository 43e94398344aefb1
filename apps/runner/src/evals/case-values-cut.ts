import type { CaseRecord, EvalCase } from '@patchbay/evals';
import { CUT_KEY, ValueCut } from '../runs/value-cut';

/**
 * A case's values by field, as a run's are: an input {question: …} keeps its shape, its long question cut. An object
 * with the placeholder's key as a field (a case made from Patchbay's own answers)
 * is cut whole, however short, as ValueCut cuts a value holding the key: cut by field, it would pass for a cut.
 */
function fieldsCut(cut: ValueCut) {
  return (values: unknown) =>
    values !== null && typeof values === 'object' && !Array.isArray(values) && !Object.hasOwn(values, CUT_KEY) ? cut.ports(values as Record<string, unknown>) : cut.value(values);
}

/**
 * `?cut=N` on GET /api/evals/:id: each case's input fields, expected, outputs and targets longer than N characters
 * come as the runs' placeholder (runs/value-cut.ts). 200 cases answering 80 KB each made the result 20 MB, read
 * whole to lay out a table that shows the start of each. The whole value is the case's run's
 * (GET /api/runs/{runId}/values/{hash}): a case's input, outputs and targets are its run's values, so their hashes are the same;
 * its expected is the dataset's.
 */
export function cutCases(cases: CaseRecord[], limit: number, redact: (json: string) => string): CaseRecord[] {
  const cut = new ValueCut(limit, redact);
  const fields = fieldsCut(cut);
  return cases.map((c) => ({
    ...c,
    ...(c.input !== undefined ? { input: fields(c.input) } : {}),
    ...(c.expected !== undefined ? { expected: cut.value(c.expected) } : {}),
    outputs: fields(c.outputs) as Record<string, unknown>,
    ...(c.targets ? { targets: fields(c.targets) as Record<string, unknown> } : {}),
  }));
}

/**
 * `?cut=N` on GET /api/datasets/:name: each case's input and expected fields longer than N characters come as the
 * placeholder. 200 cases of 20 KB inputs made the answer 4 MB, which the New eval form read for the keys of the
 * expected objects: expected is cut by field here, so its keys stay. The dataset's version read without the cut
 * (`?hash=`) has the values whole.
 */
export function cutDatasetCases(cases: EvalCase[], limit: number, redact: (json: string) => string): EvalCase[] {
  const fields = fieldsCut(new ValueCut(limit, redact));
  return cases.map((c) => ({ ...c, input: fields(c.input), ...(c.expected !== undefined ? { expected: fields(c.expected) } : {}) }));
}
