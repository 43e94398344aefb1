import type { PipelineDocument, PipelineNode } from '../schema/pipeline';
import { parseEdgeEnd } from '../schema/pipeline';
import type { NodeDefinition, PortSpec, PortType } from '../nodes/types';
import type { Problem } from '../graph/validate';
import { jsonPath } from '../graph/json-path';
import { portsOf } from '../graph/ports';
import { PipelineInvalidError } from './pipeline-invalid-error';
import type { PipelineLookup } from '../compose/pipeline-ref';

/** One edge as the scheduler walks it: from a finished node's output port into a waiting node's input. */
export interface PlannedEdge {
  sourcePort: string;
  target: number;
  targetPort: string;
  fromType: PortType;
  toType: PortType;
}

/** A node made ready to run: definition and parsed config looked up once, edges indexed by node. */
export interface PlannedNode {
  index: number;
  node: PipelineNode;
  def: NodeDefinition;
  config: unknown;
  outgoing: PlannedEdge[];
  /** Edges into this node; it is ready when all of them have been resolved (delivered or not taken). */
  incoming: number;
}

export interface ExecutionPlan {
  nodes: PlannedNode[];
}

/**
 * Compiles a document into adjacency lists once, so scheduling is O(edges) for
 * the whole run rather than a scan per node. Throws PipelineInvalidError for what
 * would make running impossible even when the caller skipped validation.
 */
export function compilePlan(document: PipelineDocument, nodeTypes: Readonly<Record<string, NodeDefinition>>, lookup?: PipelineLookup): ExecutionPlan {
  const problems: Problem[] = [];
  const nodes: PlannedNode[] = [];
  const byId = new Map<string, PlannedNode>();
  const inputPorts: PortSpec[][] = [];
  const outputPorts: PortSpec[][] = [];

  for (let index = 0; index < document.nodes.length; index++) {
    const node = document.nodes[index];
    const def = Object.hasOwn(nodeTypes, node.type) ? nodeTypes[node.type] : undefined;
    if (!def) {
      problems.push({ path: `$.nodes[${index}].type`, code: 'unknown-node-type', message: `node "${node.id}" has unknown type "${node.type}"`, nodes: [node.id] });
      continue;
    }
    const parsed = def.configSchema.safeParse(node.config ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      problems.push({ path: jsonPath(['nodes', index, 'config', ...issue.path]), code: 'invalid-config', message: `node "${node.id}": ${issue.message}`, nodes: [node.id] });
      continue;
    }
    if (byId.has(node.id)) {
      problems.push({ path: `$.nodes[${index}].id`, code: 'duplicate-node-id', message: `node id "${node.id}" is used twice`, nodes: [node.id] });
      continue;
    }
    const planned: PlannedNode = { index: nodes.length, node, def, config: parsed.data, outgoing: [], incoming: 0 };
    nodes.push(planned);
    byId.set(node.id, planned);
    const ports = portsOf(def, parsed.data, lookup);
    inputPorts.push(ports?.inputs ?? []);
    outputPorts.push(ports?.outputs ?? []);
  }

  const edges = document.edges ?? [];
  for (let index = 0; index < edges.length; index++) {
    const edge = edges[index];
    const from = parseEdgeEnd(edge.from);
    const to = parseEdgeEnd(edge.to);
    const source = byId.get(from.node);
    const target = byId.get(to.node);
    if (!source || !target) {
      const missing = !source ? from.node : to.node;
      problems.push({ path: `$.edges[${index}]`, code: 'missing-node', message: `edge ${edge.from} → ${edge.to} names a missing node "${missing}"`, nodes: [missing] });
      continue;
    }
    source.outgoing.push({
      sourcePort: from.port,
      target: target.index,
      targetPort: to.port,
      fromType: portType(outputPorts[source.index], from.port),
      toType: portType(inputPorts[target.index], to.port),
    });
    target.incoming++;
  }

  if (problems.length) throw new PipelineInvalidError(problems);
  return { nodes };
}

/** A node has a handful of ports: a scan beats building a map per node. Unknown ports carry `any`. */
function portType(ports: PortSpec[], name: string): PortType {
  for (const port of ports) if (port.name === name) return port.type;
  return 'any';
}
