import { parsePipelineRef, versionSpeltAnotherWay, type ParsedRef } from '@patchbay/core';
import { DomainError } from '../domain-errors';

const HOW = 'name a pipeline as NAME, NAME@LABEL or NAME@vN';

/**
 * The pipeline a /v1 `model` names. A model id is an exact string (clients key settings, logs and
 * caches by it, and `GET /v1/models` lists each once), so another spelling of a version is no model:
 * it is refused naming the id to use, never served as that version under a second name.
 */
export function parseModelId(model: string): ParsedRef {
  // Another spelling of a version (`v01`, `V1`, `v1.0`, `v+1`): core's one rule for a reference.
  const other = versionSpeltAnotherWay(model);
  if (other) {
    const named = other.number > 0n && parsePipelineRef(other.plain) ? `version ${other.number} is "${other.plain}"` : `${HOW}${other.number === 0n ? ' (versions count from v1)' : ''}`;
    throw new DomainError('model-not-found', `there is no model "${model}": ${named}`);
  }
  const ref = parsePipelineRef(model);
  if (!ref) throw new DomainError('model-not-found', `there is no model "${model}": ${HOW}`);
  // No version is that large, and read as a number it would be named as another (1e20) in the answer.
  if (ref.kind === 'version' && !Number.isSafeInteger(ref.version)) throw new DomainError('version-not-found', `pipeline "${ref.name}" has no version ${model.slice(model.indexOf('@') + 2)}`);
  return ref;
}
