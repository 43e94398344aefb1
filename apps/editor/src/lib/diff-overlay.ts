import { diffPipelines, type FieldChange, type PipelineDiff, type PipelineDocument } from '@patchbay/core';
import { edgeId } from './flow-model';

export type NodeMark = 'added' | 'removed' | 'changed';
export type EdgeMark = 'added' | 'removed';

export interface DiffOverlay {
  /** The newer document plus the older one's removed nodes and edges, drawn together. */
  doc: PipelineDocument;
  nodes: Map<string, NodeMark>;
  edges: Map<string, EdgeMark>;
  /** The changed config fields of each changed node. */
  fields: Map<string, FieldChange[]>;
  diff: PipelineDiff;
}

/**
 * One canvas for two versions: `after` as it is, with what `before` had and
 * `after` dropped put back in (drawn red and ghosted). Both documents need
 * positions (layout.ts placeMissing) so removed nodes sit where they were.
 */
export function diffOverlay(before: PipelineDocument, after: PipelineDocument): DiffOverlay {
  const diff = diffPipelines(before, after);
  const nodes = new Map<string, NodeMark>();
  const edges = new Map<string, EdgeMark>();
  const fields = new Map<string, FieldChange[]>();
  for (const n of diff.nodes.added) nodes.set(n.id, 'added');
  for (const n of diff.nodes.removed) nodes.set(n.id, 'removed');
  for (const c of diff.nodes.changed) {
    nodes.set(c.id, 'changed');
    fields.set(c.id, c.fields);
  }
  for (const e of diff.edges.added) edges.set(edgeId(e), 'added');
  for (const e of diff.edges.removed) edges.set(edgeId(e), 'removed');
  const doc: PipelineDocument = {
    ...after,
    nodes: [...after.nodes, ...diff.nodes.removed],
    edges: [...after.edges, ...diff.edges.removed],
  };
  return { doc, nodes, edges, fields, diff };
}

/** A field value as the diff list prints it: short, one line. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}
