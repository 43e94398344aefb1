import type { PipelineDocument } from '@patchbay/core';
import { DatasetError, TargetError } from '@patchbay/evals';
import type { Store } from '../store/index';

/**
 * A promotion evaluates the candidate and the version the label holds on one suite. What the holder cannot be
 * evaluated on — a scorer's target it lacks (a node the candidate added), a case input it does not take (an input
 * the candidate added) — would fail the holder's eval after the candidate's had run, in words that blame "the
 * pipeline", which has that node or input in the version the user named. Found before anything runs instead,
 * naming the holder and the ways on: a TargetError or DatasetError, which the route answers 422 at the scorer's
 * target or the dataset, and the CLI as one line, exit 2. Answered, not thrown, so that `force` can move past it
 * (the candidate evaluated alone, the move recorded as forced): undefined when the holder fits or there is none.
 *
 * `prepare` is the eval session's own check of a version against the suite. Anything else it refuses (a model the
 * runner cannot call, a pipeline it calls gone) is left to the holder's eval, which a stored result may spare.
 */
export async function holderMisfit(
  store: Pick<Store, 'labels' | 'versions'>,
  promotion: { pipeline: string; label: string; version: number },
  prepare: (document: PipelineDocument, version: number) => Promise<unknown>,
): Promise<HolderMisfit | undefined> {
  const { label } = promotion;
  const held = await store.labels.get(promotion.pipeline, label);
  if (!held || held.version === promotion.version) return;
  const holder = await store.versions.get(promotion.pipeline, held.version);
  if (!holder) return;
  try {
    await prepare(holder.document as PipelineDocument, held.version);
  } catch (err) {
    const summary = `v${held.version}, which ${label} holds, cannot be evaluated on this suite`;
    const said = (reason: string) =>
      `${summary}: ${reason}; a promotion evaluates both versions on one suite, so give one that fits both, or move ${label} anyway with force (patchbay promote --force), recorded as forced and compared with nothing`;
    if (err instanceof TargetError) return { version: held.version, summary, reason: err.message, error: new TargetError(said(err.message), err.scorerIndex) };
    if (err instanceof DatasetError) return { version: held.version, summary, reason: err.message, error: new DatasetError(said(err.message), err.caseIndex) };
  }
}

/** Why the holder (`version`) cannot be evaluated: `summary` in a few words (for the history's note), `reason` the eval's own words, `error` in full. */
export interface HolderMisfit {
  version: number;
  summary: string;
  reason: string;
  error: TargetError | DatasetError;
}
