import { parsePipelineRef, type ParsedRef } from '@patchbay/core';
import { DomainError } from '../domain-errors';

const HOW = 'name a pipeline as NAME, NAME@LABEL or NAME@vN';

/** After the `@`: a version number however it is written (`v01`, `V1`, `v1.0`, `v+1`); only `v` and its digits is its id. */
const ANY_VERSION_SPELLING = /^[vV]\+?([0-9]+)(?:\.0+)?$/;

/**
 * The pipeline a /v1 `model` names. A model id is an exact string (clients key settings, logs and
 * caches by it, and `GET /v1/models` lists each once), so another spelling of a version is no model:
 * it is refused naming the id to use, never served as that version under a second name.
 */
export function parseModelId(model: string): ParsedRef {
  const at = model.indexOf('@');
  const spelt = at < 0 ? null : ANY_VERSION_SPELLING.exec(model.slice(at + 1));
  if (spelt) {
    const number = BigInt(spelt[1]);
    const canonical = `${model.slice(0, at)}@v${number}`;
    if (canonical !== model) {
      const named = number > 0n && parsePipelineRef(canonical) ? `version ${number} is "${canonical}"` : `${HOW}${number === 0n ? ' (versions count from v1)' : ''}`;
      throw new DomainError('model-not-found', `there is no model "${model}": ${named}`);
    }
  }
  const ref = parsePipelineRef(model);
  if (!ref) throw new DomainError('model-not-found', `there is no model "${model}": ${HOW}`);
  // No version is that large, and read as a number it would be named as another (1e20) in the answer.
  if (ref.kind === 'version' && !Number.isSafeInteger(ref.version)) throw new DomainError('version-not-found', `pipeline "${ref.name}" has no version ${model.slice(at + 2)}`);
  return ref;
}
