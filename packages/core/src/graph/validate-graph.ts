import { parseEdgeEnd } from '../schema/pipeline';
import { jsonPath } from './json-path';
import { findCycles } from './order';
import type { Problem } from './problems';
import type { PipelineEdge } from '../schema/pipeline';
import type { NodeInfo } from './validate-nodes';

/** Whole-graph rules: cycles, input/output names, outputs no input reaches. */
export function checkGraph(byId: Map<string, NodeInfo>, wired: PipelineEdge[]): Problem[] {
  const nodes = [...byId.values()];
  const graph = { nodes: nodes.map((info) => info.node), edges: wired };
  const problems: Problem[] = [];

  for (const cycle of findCycles(graph)) {
    const loop = cycle.length === 1 ? `node "${cycle[0]}" feeds itself` : `nodes ${cycle.map((id) => `"${id}"`).join(', ')} form a cycle`;
    problems.push({ path: jsonPath(['nodes', byId.get(cycle[0])!.index]), code: 'cycle', message: `${loop}; a pipeline must not loop`, nodes: cycle });
  }

  problems.push(...duplicateNames(nodes, 'input'), ...duplicateNames(nodes, 'output'));

  const reached = reachableFromInputs(graph);
  const fed = new Set(wired.map((edge) => parseEdgeEnd(edge.to).node));
  for (const info of nodes) {
    if (info.node.type !== 'output' || reached.has(info.node.id)) continue;
    // An output with no edge at all is already an unconnected input; say it once.
    if (!fed.has(info.node.id)) continue;
    problems.push({
      path: jsonPath(['nodes', info.index]),
      code: 'unreachable-output',
      message: `output node "${info.node.id}" is not reached from any input node`,
      nodes: [info.node.id],
    });
  }
  return problems;
}

function duplicateNames(nodes: NodeInfo[], type: 'input' | 'output'): Problem[] {
  const byName = new Map<string, NodeInfo[]>();
  for (const info of nodes) {
    const name = (info.config as { name?: unknown } | undefined)?.name;
    if (info.node.type !== type || typeof name !== 'string') continue;
    if (!byName.has(name)) byName.set(name, []);
    byName.get(name)!.push(info);
  }
  const problems: Problem[] = [];
  for (const [name, same] of byName) {
    if (same.length < 2) continue;
    const ids = same.map((info) => info.node.id);
    problems.push({
      path: jsonPath(['nodes', same[1].index, 'config', 'name']),
      code: type === 'input' ? 'duplicate-input-name' : 'duplicate-output-name',
      message: `${type} name "${name}" is used by nodes ${ids.map((id) => `"${id}"`).join(', ')}; ${type} names must be unique`,
      nodes: ids,
    });
  }
  return problems;
}

/** Ids of every node downstream of an `input` node (inputs included). */
function reachableFromInputs(graph: { nodes: { id: string; type: string }[]; edges: { from: string; to: string }[] }): Set<string> {
  const next = new Map<string, string[]>();
  for (const edge of graph.edges) {
    const from = parseEdgeEnd(edge.from).node;
    if (!next.has(from)) next.set(from, []);
    next.get(from)!.push(parseEdgeEnd(edge.to).node);
  }
  const seen = new Set(graph.nodes.filter((n) => n.type === 'input').map((n) => n.id));
  const queue = [...seen];
  while (queue.length > 0) {
    for (const to of next.get(queue.pop()!) ?? []) {
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}
