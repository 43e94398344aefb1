import { MAX_NODE_ID_LENGTH, parseDocument, parseEdgeEnd, PIPELINE_FORMAT, type PipelineDocument, type PipelineEdge, type PipelineNode } from '@patchbay/core';
import { idBase, uniqueName } from './node-ids';

export const CLIPBOARD_FORMAT = 'patchbay.clipboard/v1';

/** What Copy puts on the clipboard: the nodes and the edges between them. */
export interface ClipboardPayload {
  format: typeof CLIPBOARD_FORMAT;
  nodes: PipelineNode[];
  edges: PipelineEdge[];
}

export function copyNodes(doc: PipelineDocument, ids: ReadonlySet<string>): ClipboardPayload | undefined {
  const nodes = doc.nodes.filter((n) => ids.has(n.id));
  if (nodes.length === 0) return undefined;
  const edges = doc.edges.filter((e) => ids.has(parseEdgeEnd(e.from).node) && ids.has(parseEdgeEnd(e.to).node));
  return { format: CLIPBOARD_FORMAT, nodes: structuredClone(nodes), edges: structuredClone(edges) };
}

/**
 * Clipboard text back to a payload: undefined for text copied elsewhere (the last Copy is
 * pasted instead). The clipboard is anyone's to fill, so a payload's nodes and edges are
 * checked as a document's are (defaults filled in); one that is not sound is a one-line
 * `problem`, never nodes that would break the canvas.
 */
export function readPayload(text: string): { payload: ClipboardPayload } | { problem: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if ((value as { format?: unknown } | null)?.format !== CLIPBOARD_FORMAT) return undefined;
  const { nodes, edges } = value as { nodes?: unknown; edges?: unknown };
  const parsed = parseDocument({ format: PIPELINE_FORMAT, name: 'clipboard', nodes, edges });
  if (!parsed.ok) {
    const first = parsed.problems[0];
    return { problem: `The copied nodes cannot be pasted: ${first ? `${first.path}: ${first.message}` : 'they are not pipeline nodes'}` };
  }
  return { payload: { format: CLIPBOARD_FORMAT, nodes: parsed.document.nodes, edges: parsed.document.edges } };
}

// input and output nodes are addressed by config.name: two with one name would be a validation problem
const NAMED_TYPES = new Set(['input', 'output']);

/**
 * The pasted copy: fresh ids, moved by `offset`, edges rewired to the copies,
 * input/output names kept unique. Returns the nodes and edges to add.
 */
export function pasteNodes(doc: PipelineDocument, payload: ClipboardPayload, offset = { x: 40, y: 40 }): { nodes: PipelineNode[]; edges: PipelineEdge[] } {
  const takenIds = new Set(doc.nodes.map((n) => n.id));
  const takenNames = new Map<string, Set<string>>();
  for (const n of doc.nodes) {
    if (!NAMED_TYPES.has(n.type)) continue;
    const names = takenNames.get(n.type) ?? new Set<string>();
    names.add(String(n.config.name ?? ''));
    takenNames.set(n.type, names);
  }
  const renamed = new Map<string, string>();
  const nodes = payload.nodes.map((original) => {
    const id = uniqueName(idBase(original.id), takenIds, true, MAX_NODE_ID_LENGTH);
    takenIds.add(id);
    renamed.set(original.id, id);
    const node: PipelineNode = structuredClone(original);
    node.id = id;
    const at = original.position ?? { x: 0, y: 0 };
    node.position = { x: at.x + offset.x, y: at.y + offset.y };
    if (NAMED_TYPES.has(node.type) && typeof node.config.name === 'string') {
      const names = takenNames.get(node.type) ?? new Set<string>();
      node.config = { ...node.config, name: uniqueName(node.config.name, names, true) };
      names.add(node.config.name as string);
      takenNames.set(node.type, names);
    }
    return node;
  });
  const rewire = (end: string) => {
    const { node, port } = parseEdgeEnd(end);
    return `${renamed.get(node)}.${port}`;
  };
  const edges = payload.edges
    .filter((e) => renamed.has(parseEdgeEnd(e.from).node) && renamed.has(parseEdgeEnd(e.to).node))
    .map((e) => ({ from: rewire(e.from), to: rewire(e.to) }));
  return { nodes, edges };
}
