import type { Store } from '../store/index';

/**
 * Why a version was not found, in the words every route uses: the pipeline is missing, or it has no
 * such version and the latest is named (what to ask for instead).
 */
export async function missingVersion(store: Pick<Store, 'versions'>, pipeline: string, number: number): Promise<{ pipelineExists: boolean; message: string }> {
  const latest = await store.versions.latest(pipeline);
  if (!latest) return { pipelineExists: false, message: `there is no pipeline "${pipeline}"` };
  return { pipelineExists: true, message: `pipeline "${pipeline}" has no version ${number} (latest is ${latest.number})` };
}
