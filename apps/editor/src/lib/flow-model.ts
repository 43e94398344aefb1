import type { Edge, Node } from '@xyflow/react';
import {
  PIPELINE_FORMAT,
  PORT_TYPE_COLORS,
  getNodeType,
  nodePorts,
  parseEdgeEnd,
  type PipelineDocument,
  type PipelineEdge,
  type PipelineNode,
  type PortSpec,
  type PortType,
  type SummaryLine,
} from '@patchbay/core';
import { NODE_WIDTH, nodeHeight } from './node-size';
import { childPipelines } from './child-pipelines';

/** A port as the canvas draws it; `missing` marks a port an edge still uses but the node type no longer has. */
export type PortView = PortSpec & { missing?: boolean };
export type NodePortViews = { inputs: PortView[]; outputs: PortView[] };

export type PipelineNodeData = {
  node: PipelineNode;
  ports: NodePortViews;
  /** What the node type says this node does (its card's lines under the title). */
  summary: SummaryLine[];
  /** Diff view: how this node changed between the two versions. */
  diff?: 'added' | 'removed' | 'changed';
};
export type FlowNode = Node<PipelineNodeData, 'pipeline'>;
export type FlowEdge = Edge<{ portType: PortType; diff?: 'added' | 'removed' }>;

/** The document fields that are not nodes or edges. */
export type DocumentMeta = Omit<PipelineDocument, 'nodes' | 'edges'>;

export const edgeId = (edge: PipelineEdge): string => `${edge.from}->${edge.to}`;

export function emptyDocument(name: string): PipelineDocument {
  return { format: PIPELINE_FORMAT, name, nodes: [], edges: [] };
}

/**
 * The node type's ports for this config, plus any port an edge still points at
 * that the type no longer has (a renamed template variable): drawn red, so the
 * edge stays visible and can be deleted instead of silently vanishing.
 */
export function portViews(node: PipelineNode, edges: readonly PipelineEdge[]): NodePortViews {
  const declared = safePorts(node);
  const inputs: PortView[] = [...declared.inputs];
  const outputs: PortView[] = [...declared.outputs];
  for (const edge of edges) {
    const to = parseEdgeEnd(edge.to);
    if (to.node === node.id && !inputs.some((p) => p.name === to.port)) inputs.push({ name: to.port, type: 'any', missing: true });
    const from = parseEdgeEnd(edge.from);
    if (from.node === node.id && !outputs.some((p) => p.name === from.port)) outputs.push({ name: from.port, type: 'any', missing: true });
  }
  return { inputs, outputs };
}

// ports are a pure function of type and config, and an edit replaces the config object:
// caching by config identity keeps a 1,000-node canvas from re-parsing every config per edit
const portCache = new WeakMap<object, { type: string; ports: { inputs: PortSpec[]; outputs: PortSpec[] } }>();

function safePorts(node: PipelineNode): { inputs: PortSpec[]; outputs: PortSpec[] } {
  if (typeof node.config !== 'object' || node.config === null) node = { ...node, config: {} };
  // a node that calls a stored pipeline has the ports of the version its reference resolves to
  if (getNodeType(node.type)?.childRefs) {
    try {
      return nodePorts(node, childPipelines.lookup) ?? { inputs: [], outputs: [] };
    } catch {
      return { inputs: [], outputs: [] };
    }
  }
  const cached = portCache.get(node.config);
  if (cached?.type === node.type) return cached.ports;
  let ports: { inputs: PortSpec[]; outputs: PortSpec[] };
  try {
    ports = nodePorts(node) ?? { inputs: [], outputs: [] };
  } catch {
    // a config mid-edit may not fit the type at all; validation reports it
    ports = { inputs: [], outputs: [] };
  }
  portCache.set(node.config, { type: node.type, ports });
  return ports;
}

const summaryCache = new WeakMap<object, { type: string; lines: SummaryLine[] }>();
const NO_LINES: SummaryLine[] = [];

/** The node type's own summary of this config (cached by config identity, as ports are); none when the type has none or the config is unreadable. */
export function nodeSummary(node: PipelineNode): SummaryLine[] {
  const config = typeof node.config === 'object' && node.config !== null ? node.config : undefined;
  const cached = config && summaryCache.get(config);
  if (cached?.type === node.type) return cached.lines;
  let lines = NO_LINES;
  try {
    lines = getNodeType(node.type)?.summary?.(config ?? {}) ?? NO_LINES;
  } catch {
    // a summary never throws by contract; a type that breaks it costs its card the lines, not the canvas
  }
  if (config) summaryCache.set(config, { type: node.type, lines });
  return lines;
}

export function portType(ports: NodePortViews, side: 'inputs' | 'outputs', name: string | null | undefined): PortType | undefined {
  return ports[side].find((p) => p.name === name)?.type;
}

/** The size a card is drawn at (the same numbers as styles.css), before the browser measures it; a compact card shows no summary. */
export function drawnSize(node: PipelineNode, edges: readonly PipelineEdge[], detail: 'detailed' | 'compact' = 'detailed'): { width: number; height: number } {
  const ports = portViews(node, edges);
  const lines = detail === 'detailed' ? nodeSummary(node).length : 0;
  return { width: NODE_WIDTH, height: nodeHeight(Math.max(ports.inputs.length, ports.outputs.length), lines) };
}

export function toFlowNode(node: PipelineNode, edges: readonly PipelineEdge[], position = node.position ?? { x: 0, y: 0 }): FlowNode {
  const ports = portViews(node, edges);
  // React Flow hides a node until it knows its size; giving the size a node is drawn at
  // shows it in the first paint instead of after a measuring pass over the whole canvas
  // (a second render of every node: a third of the time a 1,000-node pipeline took to open)
  const rows = Math.max(ports.inputs.length, ports.outputs.length);
  const summary = nodeSummary(node);
  // sized as a detailed card (the default); a compact one is measured when drawn
  return { id: node.id, type: 'pipeline', position, initialWidth: NODE_WIDTH, initialHeight: nodeHeight(rows, summary.length), data: { node, ports, summary } };
}

export function toFlowEdge(edge: PipelineEdge, nodes: ReadonlyMap<string, FlowNode>): FlowEdge {
  const from = parseEdgeEnd(edge.from);
  const to = parseEdgeEnd(edge.to);
  const source = nodes.get(from.node);
  const type = (source && portType(source.data.ports, 'outputs', from.port)) ?? 'any';
  return {
    id: edgeId(edge),
    source: from.node,
    sourceHandle: from.port,
    target: to.node,
    targetHandle: to.port,
    style: { stroke: PORT_TYPE_COLORS[type] },
    data: { portType: type },
  };
}

/** The edges that start or end at each node (so a node's ports are found without scanning every edge). */
export function edgesByNode(edges: readonly PipelineEdge[]): Map<string, PipelineEdge[]> {
  const byNode = new Map<string, PipelineEdge[]>();
  const add = (id: string, edge: PipelineEdge) => {
    const list = byNode.get(id);
    if (list) list.push(edge);
    else byNode.set(id, [edge]);
  };
  for (const edge of edges) {
    const from = parseEdgeEnd(edge.from).node;
    const to = parseEdgeEnd(edge.to).node;
    add(from, edge);
    if (to !== from) add(to, edge);
  }
  return byNode;
}

const NO_EDGES: PipelineEdge[] = [];

/** Document → canvas. Nodes without a position must be placed by the caller (see layout.ts) first. */
export function toFlow(doc: PipelineDocument): { nodes: FlowNode[]; edges: FlowEdge[] } {
  const touching = edgesByNode(doc.edges);
  const nodes = doc.nodes.map((n) => toFlowNode(n, touching.get(n.id) ?? NO_EDGES));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  // an edge to a node that does not exist cannot be drawn; validation lists it
  const edges = doc.edges.filter((e) => byId.has(parseEdgeEnd(e.from).node) && byId.has(parseEdgeEnd(e.to).node)).map((e) => toFlowEdge(e, byId));
  return { nodes, edges };
}

/** Canvas → document: positions come from the canvas (rounded, so a save does not store sub-pixel noise). */
export function fromFlow(meta: DocumentMeta, nodes: readonly FlowNode[], edges: readonly FlowEdge[], dangling: readonly PipelineEdge[] = []): PipelineDocument {
  return {
    ...meta,
    nodes: nodes.map((n) => ({ ...n.data.node, position: { x: Math.round(n.position.x), y: Math.round(n.position.y) } })),
    edges: [...edges.map((e) => ({ from: `${e.source}.${e.sourceHandle}`, to: `${e.target}.${e.targetHandle}` })), ...dangling],
  };
}

export function documentMeta(doc: PipelineDocument): DocumentMeta {
  const { nodes: _n, edges: _e, ...meta } = doc;
  return meta;
}

export function nodeTitle(node: PipelineNode): string {
  return node.label ?? node.id;
}

export function typeTitle(type: string): string {
  return getNodeType(type)?.title ?? type;
}
