import type { PipelineDocument } from '@patchbay/core';
import type { Store } from '../store/index';
import { DomainError } from '../domain-errors';
import { labelNotSetMessage } from './labels';
import { problemsNow } from '../pipelines/problems-now';
import { storeResolverOf } from '../pipelines/pipeline-resolver';

/** What serving runs: one saved version, reached by label (recorded on the run) or by number. */
export interface ServedVersion {
  pipeline: string;
  version: number;
  label: string | null;
  document: PipelineDocument;
  /** The saved version's content hash: which version this number named when it was looked up. */
  contentHash: string;
}

export const DEFAULT_LABEL = 'production';

/**
 * The version a serving request names: `version` as given, else the version
 * `label` (default `production`) points at. 404 for an unknown pipeline,
 * version or label (naming the labels there are), 422 for a version with problems.
 */
export async function resolveServed(store: Pick<Store, 'versions' | 'labels'>, request: { pipeline: string; label?: string; version?: number }): Promise<ServedVersion> {
  const { pipeline } = request;
  let number = request.version;
  let label: string | null = null;
  if (number === undefined) {
    label = request.label ?? DEFAULT_LABEL;
    const state = await store.labels.get(pipeline, label);
    if (!state) {
      const latest = await store.versions.latest(pipeline);
      if (!latest) throw new DomainError('pipeline-not-found', `there is no pipeline "${pipeline}"`);
      // What to call instead: a pipeline saved but never labelled (the demo's support-triage) is still servable by number.
      const byNumber = `serve a version by number: "${pipeline}@v${latest.number}" as a /v1 model, "version": ${latest.number} in a run's body`;
      throw new DomainError('label-not-set', `${await labelNotSetMessage(store, pipeline, label)} (${byNumber})`, { labels: Object.keys(await store.labels.list(pipeline)) });
    }
    number = state.version;
  }
  const version = await store.versions.get(pipeline, number);
  if (!version) {
    const latest = await store.versions.latest(pipeline);
    if (!latest) throw new DomainError('pipeline-not-found', `there is no pipeline "${pipeline}"`);
    throw new DomainError('version-not-found', `pipeline "${pipeline}" has no version ${number} (latest is ${latest.number})`);
  }
  // Judged again only when stored with problems (they may no longer hold): a run validates its references as it starts anyway.
  const problems = version.problems.length > 0 ? await problemsNow(version, storeResolverOf(store)) : version.problems;
  if (problems.length > 0) {
    const first = problems[0];
    throw new DomainError('version-invalid', `version ${number} of "${pipeline}" cannot run: ${first.path}: ${first.message}`, { problems });
  }
  return { pipeline, version: number, label, document: version.document as PipelineDocument, contentHash: version.contentHash };
}
