import type { PipelineDocument } from '@patchbay/core';
import { resolveTargets, TargetError, type ScorerSpec } from '@patchbay/evals';
import type { Store } from '../store/index';

/**
 * A promotion scores the candidate and the version the label holds on one suite. A scorer whose target the holder
 * lacks (a node the candidate added) would fail the holder's eval after the candidate's had run, blaming "the
 * pipeline" — which has that node in the version the user named — and `force` could not move past it. Found
 * before anything runs instead: a TargetError (422 at `$.suite.scorers[i].target`; exit 2 in the CLI) that names
 * the holder and the ways on.
 */
export async function assertHolderFitsSuite(store: Pick<Store, 'labels' | 'versions'>, pipeline: string, label: string, candidate: number, scorers: ScorerSpec[]): Promise<void> {
  const held = await store.labels.get(pipeline, label);
  if (!held || held.version === candidate) return;
  const holder = await store.versions.get(pipeline, held.version);
  if (!holder) return;
  try {
    resolveTargets(holder.document as PipelineDocument, scorers);
  } catch (err) {
    if (!(err instanceof TargetError)) throw err;
    throw new TargetError(
      `v${held.version}, which ${label} holds, cannot be scored by this suite: ${err.message}; a promotion scores both versions on one suite, so give one whose scorers fit both, or move ${label} without a comparison (PUT /api/pipelines/${pipeline}/labels/${label})`,
      err.scorerIndex,
    );
  }
}
