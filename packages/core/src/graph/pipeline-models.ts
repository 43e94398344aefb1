import type { PipelineDocument } from '../schema/pipeline';

export interface NamedModel {
  /** The node that names it. */
  node: string;
  /** `"<provider>:<model>"` as written in the node's config. */
  model: string;
}

/**
 * The models a pipeline names, so a caller can check them before running
 * anything (an eval would otherwise fail every case on the same missing key):
 * each `llm` and `agent` node's `model`, and a `retrieve` node's
 * `embeddingModel` when it searches by vector.
 */
export function pipelineModels(doc: Pick<PipelineDocument, 'nodes'>): NamedModel[] {
  const out: NamedModel[] = [];
  for (const node of doc.nodes ?? []) {
    const config = (node.config ?? {}) as Record<string, unknown>;
    if ((node.type === 'llm' || node.type === 'agent') && typeof config.model === 'string') out.push({ node: node.id, model: config.model });
    if (node.type === 'retrieve' && config.mode !== undefined && config.mode !== 'keyword' && typeof config.embeddingModel === 'string') {
      out.push({ node: node.id, model: config.embeddingModel });
    }
  }
  return out;
}
