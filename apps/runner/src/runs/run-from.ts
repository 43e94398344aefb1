import { planRunFrom, RunFromError, type PipelineDocument, type RunFromPlan } from '@patchbay/core';
import type { Store } from '../store/index';

/** The run to start from does not exist (or its document is gone). */
export class FromRunNotFoundError extends Error {
  override name = 'FromRunNotFoundError';
}

/**
 * Plans a run of `document` from `from.node` of the stored run `from.run`:
 * upstream nodes reuse what that run recorded. Throws RunFromError when the
 * document differs upstream of the node or that run did not get that far.
 */
export async function runFromNode(
  store: Pick<Store, 'runs' | 'versions'>,
  document: PipelineDocument,
  from: { run: string; node: string },
  inputs: Record<string, unknown> | undefined,
): Promise<RunFromPlan> {
  const record = await store.runs.get(from.run);
  if (!record) throw new FromRunNotFoundError(`there is no run "${from.run}" to start from`);
  if (record.status === 'running') throw new RunFromError('not-recorded', from.node, `run ${from.run} is still running; start from it once it has ended`);
  const recorded = (record.document ?? (record.pipeline !== null && record.version !== null ? (await store.versions.get(record.pipeline, record.version))?.document : undefined)) as
    | PipelineDocument
    | undefined;
  if (!recorded) throw new FromRunNotFoundError(`the document run ${from.run} ran is no longer stored`);
  return planRunFrom(document, { id: record.id, document: recorded, inputs: record.inputs, nodes: record.nodes }, from.node, inputs);
}
