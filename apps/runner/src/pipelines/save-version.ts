import { behaviorHash, contentHash, parseDocument, pipelineRefs, resolvePipelines, validatePipeline, type PipelineResolver, type Problem } from '@patchbay/core';
import { DomainError } from '../domain-errors';
import { refuseSecretValues, type Redactor } from '../http/secrets';
import type { Store, VersionRecord } from '../store/index';
import { storeResolverOf } from './pipeline-resolver';

/** Moves a problem path from the document's root to where the document sits in the request body. */
export const underPath = (prefix: string) => (problem: Problem) => ({
  ...problem,
  path: prefix === '$' ? problem.path : problem.path.replace(/^\$/, prefix),
});

/**
 * Checks what a version must be before it is stored (and an inline document
 * before it runs): a pipeline document at
 * all (else `not-a-pipeline` with every structural problem), free of secret
 * values (else `secret-in-document`: a pipeline names a provider, never holds its key). Returns the parsed
 * document and its remaining problems, which are stored with it.
 */
export async function checkDocument(value: unknown, redactor: Redactor, at: string, pipelines: PipelineResolver) {
  const parsed = parseDocument(value);
  if (!parsed.ok) {
    const errors = parsed.problems.map(underPath(at));
    throw new DomainError('not-a-pipeline', `not a pipeline document: ${errors[0].path}: ${errors[0].message}`, {
      errors: errors.map(({ path, message }) => ({ path, message })),
    });
  }
  refuseSecretValues(redactor, value, at, 'a pipeline names its provider and never holds a key');
  // References to stored pipelines are judged as they resolve now (a label may move later: runs resolve again).
  const lookup = pipelineRefs(parsed.document).length > 0 ? await resolvePipelines(parsed.document, pipelines) : undefined;
  const report = validatePipeline(parsed.document, { pipelines: lookup });
  return { document: parsed.document, problems: report.problems };
}

/**
 * Saves a new version on top of `baseVersion` (null: a new pipeline);
 * `version-conflict` with `latest` when the base is no longer the latest, so no edit is lost.
 */
export async function saveVersion(
  store: Store,
  redactor: Redactor,
  input: { name: string; document: unknown; message: string; baseVersion: number | null; at: string },
  pipelines: PipelineResolver = storeResolverOf(store),
): Promise<VersionRecord> {
  const { document, problems } = await checkDocument(input.document, redactor, input.at, pipelines);
  // Refused at creation only, so a pipeline made before this rule can still be saved, run and deleted
  // (`patchbay run -- -x` reaches it on the command line).
  if (input.baseVersion === null && document.name.startsWith('-')) {
    const message = 'a pipeline name starts with a letter or digit: one starting with "-" would read as an option on the command line';
    throw new DomainError('not-a-pipeline', `not a pipeline document: ${input.at}.name: ${message}`, { errors: [{ path: `${input.at}.name`, message }] });
  }
  // The message is free text: a pasted key is masked before it is stored, not only when shown.
  input = { ...input, message: redactor.redact(input.message) };
  if (document.name !== input.name) {
    throw new DomainError('name-mismatch', `the document is named "${document.name}" but is being saved as "${input.name}"`, {
      errors: [{ path: `${input.at}.name`, message: `must be "${input.name}"` }],
    });
  }
  const result = await store.versions.save({
    pipeline: input.name,
    document,
    message: input.message,
    baseVersion: input.baseVersion,
    contentHash: contentHash(document),
    behaviorHash: behaviorHash(document),
    problems,
  });
  if (result.status === 'created') return result.version;
  if (result.status === 'not-found') {
    throw new DomainError('pipeline-not-found', `there is no pipeline "${input.name}"; create it with POST /api/pipelines or save with "baseVersion": null`);
  }
  const detail =
    input.baseVersion === null
      ? `a pipeline named "${input.name}" exists already (latest version ${result.latest})`
      : `version ${input.baseVersion} is not the latest of "${input.name}" (${result.latest} is); load it, merge your edit and save again`;
  throw new DomainError('version-conflict', detail, { latest: result.latest });
}
