/**
 * Bad input to an eval, found before (or instead of) running it: a suite,
 * dataset, target, model, baseline or resume file that does not fit. The one
 * family the CLI turns into exit 2 and the runner into a 4xx, by `instanceof`;
 * each subclass says where the problem is (a suite path, a scorer, a case).
 */
export class EvalInputError extends Error {
  override name = 'EvalInputError';
}
