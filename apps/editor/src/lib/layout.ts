import { Graph, layout } from '@dagrejs/dagre';
import { parseEdgeEnd, type PipelineDocument, type PipelineEdge, type PipelineNode, type Position } from '@patchbay/core';
import { drawnSize, edgesByNode } from './flow-model';
import { isOnCanvas } from './canvas-position';

/** The size a node is drawn at before the browser has measured it (ports stack in rows); `edges` are those touching it. */
export function estimatedSize(node: PipelineNode, edges: readonly PipelineEdge[]): { width: number; height: number } {
  const drawn = drawnSize(node, edges);
  // as a detailed card draws it, plus a little room for a run chip
  return { width: drawn.width, height: drawn.height + 13 };
}

export type Sizes = ReadonlyMap<string, { width: number; height: number }>;

/**
 * Left-to-right layered layout (dagre). Returns a position per node id;
 * `sizes` gives measured node sizes where the canvas has them.
 */
export function layoutPositions(doc: PipelineDocument, sizes: Sizes = new Map()): Map<string, Position> {
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  const touching = edgesByNode(doc.edges);
  for (const node of doc.nodes) g.setNode(node.id, sizes.get(node.id) ?? estimatedSize(node, touching.get(node.id) ?? []));
  doc.edges.forEach((edge, i) => {
    const from = parseEdgeEnd(edge.from).node;
    const to = parseEdgeEnd(edge.to).node;
    if (g.hasNode(from) && g.hasNode(to)) g.setEdge(from, to, {}, String(i));
  });
  layout(g);
  const positions = new Map<string, Position>();
  for (const node of doc.nodes) {
    const { x, y, width, height } = g.node(node.id);
    // dagre gives centres; React Flow positions are top-left corners
    positions.set(node.id, { x: Math.round(x - width / 2), y: Math.round(y - height / 2) });
  }
  return positions;
}

/** Every node placed by the layout. */
export function autoLayout(doc: PipelineDocument, sizes?: Sizes): PipelineDocument {
  const positions = layoutPositions(doc, sizes);
  return { ...doc, nodes: doc.nodes.map((n) => ({ ...n, position: positions.get(n.id) })) };
}

/** Nodes that have no position (a hand-written or generated document), or one off the canvas, get the layout's; the rest stay put. */
export function placeMissing(doc: PipelineDocument): PipelineDocument {
  if (doc.nodes.every((n) => isOnCanvas(n.position))) return doc;
  const positions = layoutPositions(doc);
  return { ...doc, nodes: doc.nodes.map((n) => (isOnCanvas(n.position) ? n : { ...n, position: positions.get(n.id) })) };
}
