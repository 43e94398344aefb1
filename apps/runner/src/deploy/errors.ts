/**
 * What can go wrong deploying or serving a pipeline, as typed errors; only
 * routes turn them into problem+json (and the OpenAI routes into OpenAI's
 * error shape), the CLI into exit 2.
 */
export type DeployErrorCode =
  | 'pipeline-not-found'
  | 'version-not-found'
  | 'label-not-set'
  | 'version-invalid'
  | 'input-missing'
  | 'invalid-inputs'
  | 'promotion-not-found'
  | 'key-not-found'
  | 'key-exists';

const STATUS: Record<DeployErrorCode, number> = {
  'pipeline-not-found': 404,
  'version-not-found': 404,
  'label-not-set': 404,
  'version-invalid': 422,
  'input-missing': 400,
  'invalid-inputs': 422,
  'promotion-not-found': 404,
  'key-not-found': 404,
  'key-exists': 409,
};

export class DeployError extends Error {
  override name = 'DeployError';
  constructor(
    readonly code: DeployErrorCode,
    message: string,
    /** Extra members for the problem document (e.g. `labels` that exist, `problems`). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  get status(): number {
    return STATUS[this.code];
  }
}
