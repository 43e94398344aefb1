import type { PipelineDocument, PipelineEdge, PipelineNode } from '../schema/pipeline';
import { jsonPath } from './json-path';

export interface FieldChange {
  /** `config.routes[0].when`, `type`, `timeoutMs`, `title`; a side that lacks the field has `undefined`. */
  path: string;
  before: unknown;
  after: unknown;
}

export interface NodeChange {
  id: string;
  /** The node's type in the newer document. */
  type: string;
  fields: FieldChange[];
}

export interface PipelineDiff {
  nodes: { added: PipelineNode[]; removed: PipelineNode[]; changed: NodeChange[] };
  edges: { added: PipelineEdge[]; removed: PipelineEdge[] };
  /** Changes of `name`, `title`, `description`. */
  meta: FieldChange[];
  identical: boolean;
}

/** Fields that do not change what a node does: a move on the canvas is not a change. */
const LAYOUT_FIELDS = new Set(['id', 'position']);
const META_FIELDS = ['name', 'title', 'description'] as const;

/**
 * What changed from `a` to `b`: nodes matched by id (added, removed, changed per
 * field down to nested config paths), edges matched by their two ends, and the
 * document's name, title and description.
 */
export function diffPipelines(a: PipelineDocument, b: PipelineDocument): PipelineDiff {
  const before = byId(a.nodes);
  const after = byId(b.nodes);
  const changed: NodeChange[] = [];
  for (const [id, node] of after) {
    const old = before.get(id);
    if (!old) continue;
    const fields: FieldChange[] = [];
    for (const key of unionKeys(old, node)) {
      if (!LAYOUT_FIELDS.has(key)) compare(field(old, key), field(node, key), [key], fields);
    }
    if (fields.length > 0) changed.push({ id, type: node.type, fields });
  }
  const meta: FieldChange[] = [];
  for (const key of META_FIELDS) compare(a[key], b[key], [key], meta);

  const edgesBefore = new Set((a.edges ?? []).map(edgeKey));
  const edgesAfter = new Set((b.edges ?? []).map(edgeKey));
  const diff: PipelineDiff = {
    nodes: {
      added: [...after.values()].filter((n) => !before.has(n.id)),
      removed: [...before.values()].filter((n) => !after.has(n.id)),
      changed,
    },
    edges: {
      added: (b.edges ?? []).filter((e) => !edgesBefore.has(edgeKey(e))),
      removed: (a.edges ?? []).filter((e) => !edgesAfter.has(edgeKey(e))),
    },
    meta,
    identical: false,
  };
  diff.identical =
    diff.nodes.added.length + diff.nodes.removed.length + changed.length + diff.edges.added.length + diff.edges.removed.length + meta.length === 0;
  return diff;
}

function byId(nodes: readonly PipelineNode[]): Map<string, PipelineNode> {
  const map = new Map<string, PipelineNode>();
  for (const node of nodes ?? []) if (!map.has(node.id)) map.set(node.id, node);
  return map;
}

function edgeKey(edge: PipelineEdge): string {
  return `${edge.from}\u0000${edge.to}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, key: string): unknown {
  return isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

/** Records the leaves where `x` and `y` differ; objects and arrays are walked, everything else compared whole. */
function compare(x: unknown, y: unknown, path: (string | number)[], out: FieldChange[]): void {
  if (Object.is(x, y)) return;
  if (isObject(x) && isObject(y)) {
    for (const key of unionKeys(x, y)) compare(field(x, key), field(y, key), [...path, key], out);
    return;
  }
  if (Array.isArray(x) && Array.isArray(y)) {
    for (let i = 0; i < Math.max(x.length, y.length); i++) compare(x[i], y[i], [...path, i], out);
    return;
  }
  out.push({ path: jsonPath(path, '').replace(/^\./, ''), before: x, after: y });
}
