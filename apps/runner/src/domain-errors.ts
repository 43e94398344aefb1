import { cannotMessage, type Problem } from '@patchbay/core';

/**
 * What the runner's services refuse, as typed errors. They know nothing of
 * HTTP: routes throw them on, and http/domain-problems.ts (the app's onError)
 * turns them into problem+json; the CLI turns them into exit 2.
 */
export type DomainErrorCode =
  | 'version-conflict'
  | 'not-a-pipeline'
  | 'name-mismatch'
  | 'secret-in-document'
  | 'pipeline-invalid'
  | 'invalid-inputs'
  | 'run-not-running'
  | 'eval-not-running'
  | 'eval-running'
  | 'eval-not-resumable'
  // Deploying and serving (labels, promotions, serving keys, /v1).
  | 'model-not-found'
  | 'pipeline-not-found'
  | 'version-not-found'
  | 'label-not-set'
  | 'label-has-callers'
  | 'version-invalid'
  | 'input-missing'
  | 'output-unclear'
  | 'response-format-unsupported'
  | 'content-unsupported'
  | 'promotion-not-found'
  | 'key-not-found'
  | 'key-exists';

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Extra members for whoever reports it (`errors` with JSON paths, `latest`, `runStatus`, `problems`, the `labels` that exist). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A pipeline with problems is stored with them, but it cannot run (or be evaluated) until they are fixed. */
export function pipelineInvalid(subject: string, action: 'run' | 'be evaluated', problems: Problem[]): DomainError {
  return new DomainError('pipeline-invalid', cannotMessage(subject, action, problems), {
    problems,
    errors: problems.map(({ path, message }) => ({ path, message })),
  });
}
