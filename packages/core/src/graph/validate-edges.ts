import { variablesOf } from '../nodes/template-variables';
import type { PortSpec } from '../nodes/types';
import { parseEdgeEnd, type PipelineEdge } from '../schema/pipeline';
import { jsonPath } from './json-path';
import { connectionProblem } from './port-types';
import { isRequired } from './ports';
import type { Problem } from './problems';
import type { DocumentParts, NodeInfo } from './validate-nodes';

/** Edge indices into each input port, keyed `node.port`. */
type Incoming = Map<string, number[]>;

/** Edge ends, port types, inputs fed twice, and required inputs left unconnected. */
export function checkEdges(
  parts: DocumentParts,
  byId: Map<string, NodeInfo>,
): { problems: Problem[]; wired: PipelineEdge[] } {
  const problems: Problem[] = [];
  const incoming: Incoming = new Map();
  // Edges not found broken: cycles and reachability are judged on these, so one bad edge is reported once.
  const wired: PipelineEdge[] = [];
  const sound = new Set<number>();
  for (const { edge, index } of parts.edges) {
    const label = `edge ${edge.from} → ${edge.to}`;
    const before = problems.length;
    const from = endOf(edge.from, 'from', 'outputs', index, label, byId, parts.brokenIds, problems);
    const to = endOf(edge.to, 'to', 'inputs', index, label, byId, parts.brokenIds, problems);
    if (problems.length === before) {
      wired.push(edge);
      sound.add(index);
    }
    if (from && to) {
      const reason = connectionProblem(from.type, to.type);
      if (reason) {
        problems.push({ path: jsonPath(['edges', index]), code: 'type-mismatch', message: `${label}: ${reason}`, nodes: nodesOf(edge) });
      }
    }
    const target = parseEdgeEnd(edge.to);
    if (byId.has(target.node)) {
      const key = `${target.node}.${target.port}`;
      if (!incoming.has(key)) incoming.set(key, []);
      incoming.get(key)!.push(index);
    }
  }
  const edgeAt = new Map(parts.edges.map((e) => [e.index, e.edge]));
  for (const [port, all] of incoming) {
    // An edge already reported as broken is not counted again here.
    const edges = all.filter((i) => sound.has(i));
    if (edges.length < 2) continue;
    const sources = edges.map((i) => edgeAt.get(i)!.from);
    problems.push({
      path: jsonPath(['edges', edges[1]]),
      code: 'input-connected-twice',
      message: `input ${port} has ${edges.length} edges into it (from ${sources.join(', ')}); an input takes one edge, join branches with a merge node`,
      nodes: [parseEdgeEnd(port).node, ...sources.map((s) => parseEdgeEnd(s).node)].filter((id, i, all) => all.indexOf(id) === i),
    });
  }
  for (const info of byId.values()) problems.push(...unconnectedInputs(info, incoming));
  return { problems, wired };
}

function nodesOf(edge: { from: string; to: string }): string[] {
  const ids = [parseEdgeEnd(edge.from).node, parseEdgeEnd(edge.to).node];
  return ids[0] === ids[1] ? [ids[0]] : ids;
}

/** Checks one end of an edge; returns its port when both node and port exist. */
function endOf(
  end: string,
  side: 'from' | 'to',
  kind: 'inputs' | 'outputs',
  index: number,
  label: string,
  byId: Map<string, NodeInfo>,
  brokenIds: Set<string>,
  problems: Problem[],
): PortSpec | undefined {
  const { node: id, port: name } = parseEdgeEnd(end);
  const path = jsonPath(['edges', index, side]);
  const info = byId.get(id);
  if (!info) {
    if (!brokenIds.has(id)) problems.push({ path, code: 'missing-node', message: `${label}: there is no node "${id}"`, nodes: [id] });
    return undefined;
  }
  if (!info.ports) return undefined; // unknown type or bad config: already reported
  const port = info.ports[kind].find((p) => p.name === name);
  if (!port) {
    const have = info.ports[kind].map((p) => p.name);
    const hint = kind === 'inputs' && info.def?.templateFields ? ' (its inputs are the variables its templates use)' : '';
    const list = have.length > 0 ? `its ${kind}: ${have.join(', ')}` : `it has no ${kind}`;
    problems.push({
      path,
      code: 'missing-port',
      message: `${label}: node "${id}" (${info.node.type}) has no ${kind === 'inputs' ? 'input' : 'output'} "${name}"; ${list}${hint}`,
      nodes: [id],
    });
  }
  return port;
}

/** Required inputs with no edge; a template variable gets its own code and names the template field. */
function unconnectedInputs(info: NodeInfo, incoming: Incoming): Problem[] {
  if (!info.ports) return [];
  const problems: Problem[] = [];
  for (const port of info.ports.inputs) {
    if (!isRequired(port) || incoming.has(`${info.node.id}.${port.name}`)) continue;
    const field = templateFieldUsing(info, port.name);
    problems.push(
      field
        ? {
            path: jsonPath(['nodes', info.index, 'config', field]),
            code: 'unconnected-template-variable',
            message: `node "${info.node.id}": template variable "${port.name}" in ${field} has no edge into ${info.node.id}.${port.name}`,
            nodes: [info.node.id],
          }
        : {
            path: jsonPath(['nodes', info.index]),
            code: 'unconnected-input',
            message: `node "${info.node.id}": required input "${port.name}" has no edge into it`,
            nodes: [info.node.id],
          },
    );
  }
  return problems;
}

/** The first template field of the node whose template reads `variable`. */
function templateFieldUsing(info: NodeInfo, variable: string): string | undefined {
  const config = info.config as Record<string, unknown> | undefined;
  return info.def?.templateFields?.find((field) => {
    const source = config?.[field];
    return typeof source === 'string' && variablesOf(source).includes(variable);
  });
}
