import { DatasetError, EvalInputError, EvalPipelineError, ModelUnavailableError, ResumeError, SuiteError, TargetError } from '@patchbay/evals';
import { DomainError, type DomainErrorCode } from '../domain-errors';
import { JobsClosedError, QueueUnavailableError } from '../jobs/job-registry';
import { InvalidCursorError } from '../store/paging';
import { asStorageFailure } from '../store/storage-health';
import { HttpProblem } from './problem';

const STATUS: Record<DomainErrorCode, number> = {
  'version-conflict': 409,
  'not-a-pipeline': 400,
  'name-mismatch': 400,
  'secret-in-document': 400,
  'pipeline-invalid': 422,
  'invalid-inputs': 422,
  'run-not-running': 409,
  'eval-not-running': 409,
  'eval-running': 409,
  'eval-not-resumable': 409,
  'model-not-found': 404,
  'pipeline-not-found': 404,
  'version-not-found': 404,
  'label-not-set': 404,
  'label-has-callers': 409,
  'version-invalid': 422,
  'input-missing': 400,
  'output-unclear': 400,
  'response-format-unsupported': 400,
  'content-unsupported': 400,
  'promotion-not-found': 404,
  'key-not-found': 404,
  'key-exists': 409,
};

/**
 * The one place typed errors of the services become problem+json (by
 * `instanceof`, never by name). Undefined for anything else, which the app's
 * error handler answers with a 500 that says nothing of the internals.
 */
export function domainProblem(err: unknown): HttpProblem | undefined {
  if (err instanceof DomainError) {
    return new HttpProblem(STATUS[err.code], err.message, { type: err.code, ...err.details });
  }
  if (err instanceof EvalInputError) return evalInputProblem(err);
  const storage = asStorageFailure(err);
  // Nothing was stored, so nothing is acknowledged: 507 when the disk is full, 503 when it fails otherwise.
  if (storage) return new HttpProblem(storage.kind === 'full' ? 507 : 503, storage.message, { type: storage.kind === 'full' ? 'storage-full' : 'storage-unavailable', headers: { 'retry-after': '30' } });
  if (err instanceof InvalidCursorError) {
    // Over HTTP the next cursor is a header, not the store's nextCursor field.
    const message = 'cursor is not one this list gave out: pass back the X-Next-Cursor header (or the Link rel="next") of the page before, unchanged';
    return new HttpProblem(400, message, { type: 'invalid-cursor', errors: [{ path: 'query.cursor', message }] });
  }
  if (err instanceof JobsClosedError) return new HttpProblem(503, err.message, { headers: { connection: 'close', 'retry-after': '5' } });
  if (err instanceof QueueUnavailableError) return new HttpProblem(503, err.message, { type: 'queue-unavailable', headers: { 'retry-after': '5' } });
  return undefined;
}

/**
 * A typed error about what a request field names (a body's `version` or `label`): rethrown listing that field in
 * `errors`, as every other 4xx about the body does, so the detail ends with it. `paths`: the field of each error code.
 */
export async function atField<T>(work: Promise<T>, paths: Partial<Record<DomainErrorCode, string>>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    const path = err instanceof DomainError && !err.details.errors ? paths[err.code] : undefined;
    if (path === undefined) throw err;
    const { code, message, details } = err as DomainError;
    throw new DomainError(code, message, { ...details, errors: [{ path, message }] });
  }
}

/** A suite that does not parse, at its JSON path in the body (`at`: where the suite sits): `invalid suite: $.suite.scorers[0].type: …`. */
export function suiteProblem(err: SuiteError, at: string): HttpProblem {
  const path = err.path ? `${at}.${err.path}` : at;
  return new HttpProblem(400, `invalid suite: ${path}: ${err.reason}`, { type: 'invalid-suite', errors: [{ path, message: err.reason }] });
}

/** Eval input errors point into the body of `POST /api/evals` (the only route that starts an eval session). */
function evalInputProblem(err: EvalInputError): HttpProblem {
  const one = (status: number, type: string, path: string, detail = err.message) => new HttpProblem(status, detail, { type, errors: [{ path, message: err.message }] });
  if (err instanceof SuiteError) return suiteProblem(err, '$.suite');
  if (err instanceof EvalPipelineError) {
    return new HttpProblem(422, err.message, { type: 'pipeline-invalid', problems: err.problems, errors: err.problems.map(({ path, message }) => ({ path, message })) });
  }
  if (err instanceof ModelUnavailableError) return one(422, 'model-unavailable', 'node' in err.at ? '$.pipeline' : `$.suite.scorers[${err.at.scorerIndex}].params.model`);
  if (err instanceof TargetError) return one(422, 'eval-does-not-fit', `$.suite.scorers${err.scorerIndex === undefined ? '' : `[${err.scorerIndex}].target`}`);
  // A case that does not fit is in the stored dataset.
  if (err instanceof DatasetError) return one(422, 'eval-does-not-fit', '$.dataset');
  if (err instanceof ResumeError) return new HttpProblem(409, err.message, { type: 'eval-not-resumable' });
  return one(422, 'eval-does-not-fit', '$');
}
