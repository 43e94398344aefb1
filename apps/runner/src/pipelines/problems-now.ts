import { pipelineRefs, resolvePipelines, validatePipeline, type PipelineDocument, type PipelineResolver, type Problem } from '@patchbay/core';
import type { StoredProblem } from '../store/index';

/**
 * A saved version's problems as its references to stored pipelines resolve now. Those stored with it were judged
 * when it was saved, and a label it calls may have been set, moved or removed since: a version saved before the
 * label it calls existed stayed refused, one whose called label went away stayed accepted. A version that calls
 * no stored pipeline keeps its stored problems (nothing it depends on can change).
 */
export async function problemsNow(version: { document: unknown; problems: StoredProblem[] }, pipelines: PipelineResolver): Promise<(StoredProblem | Problem)[]> {
  const document = version.document as PipelineDocument;
  if (pipelineRefs(document).length === 0) return version.problems;
  return validatePipeline(document, { pipelines: await resolvePipelines(document, pipelines) }).problems;
}
