import { getNodeType } from '../nodes/index';
import type { ModelKind } from '../nodes/types';
import type { PipelineDocument } from '../schema/pipeline';

export interface NamedModel {
  /** The node that names it. */
  node: string;
  /** `"<provider>:<model>"` as written in the node's config. */
  model: string;
  /** The config field that names it, and what it is called for (the node type's `modelFields`). */
  field: string;
  kind: ModelKind;
}

/**
 * The models a pipeline's nodes would call, so a caller can check them before running
 * anything (an eval would otherwise fail every case on the same missing key): each
 * node type says which config fields name a model (`modelFields`) and when it calls it.
 */
export function pipelineModels(doc: Pick<PipelineDocument, 'nodes'>): NamedModel[] {
  const out: NamedModel[] = [];
  for (const node of doc.nodes ?? []) {
    const def = getNodeType(node.type);
    if (!def?.modelFields) continue;
    const raw = (node.config ?? {}) as Record<string, unknown>;
    // defaults applied when the config fits (a retrieve without `mode` searches by keyword)
    const parsed = def.configSchema.safeParse(raw);
    const config = (parsed.success ? parsed.data : raw) as Record<string, unknown>;
    for (const { field, kind, calledWhen } of def.modelFields) {
      const model = config[field];
      if (typeof model === 'string' && (calledWhen?.(config) ?? true)) out.push({ node: node.id, model, field, kind });
    }
  }
  return out;
}
