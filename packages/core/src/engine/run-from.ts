import { canonicalJson } from '../graph/hash';
import { parseEdgeEnd, type PipelineDocument, type PipelineNode } from '../schema/pipeline';
import type { ReusedNode } from './run-scheduler';
import type { NodeTrace } from './trace';

/** An earlier run as run-from-a-node reads it. */
export interface RecordedRun {
  id: string;
  document: PipelineDocument;
  inputs: Record<string, unknown>;
  nodes: Record<string, NodeTrace>;
}

/** Why a run cannot start from that node of that run; `node` names the node at fault. */
export class RunFromError extends Error {
  override name = 'RunFromError';
  constructor(
    readonly code: 'unknown-node' | 'changed-upstream' | 'not-recorded',
    readonly node: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RunFromPlan {
  /** Nodes not re-run, with their recorded outputs. */
  reuse: Record<string, ReusedNode>;
  /** The inputs of the new run: the given ones, else the recorded run's. */
  inputs: Record<string, unknown>;
  /** Nodes that run again, in document order. */
  rerun: string[];
}

/** What in a node can change what it produces: not its position or label. */
const behaviourOf = (node: PipelineNode) => canonicalJson({ type: node.type, config: node.config ?? {}, timeoutMs: node.timeoutMs, retries: node.retries });

function incoming(doc: PipelineDocument, id: string): string {
  return (doc.edges ?? []).filter((e) => parseEdgeEnd(e.to).node === id).map((e) => `${e.from}>${e.to}`).sort().join(',');
}

/**
 * Plans a run that starts at `from`: that node and everything downstream of it
 * run again (and so does what hangs off an input whose value changed); every
 * other node is reused with what the recorded run gave it. Refuses when a
 * reused node differs from the recorded run's document (its config or the
 * edges into it), or did not finish there.
 */
export function planRunFrom(document: PipelineDocument, recorded: RecordedRun, from: string, inputs?: Record<string, unknown>): RunFromPlan {
  if (!document.nodes.some((n) => n.id === from)) throw new RunFromError('unknown-node', from, `there is no node "${from}" in the pipeline`);
  const given = inputs ?? recorded.inputs;
  const next = new Map<string, string[]>();
  for (const edge of document.edges ?? []) {
    const a = parseEdgeEnd(edge.from).node;
    if (!next.has(a)) next.set(a, []);
    next.get(a)!.push(parseEdgeEnd(edge.to).node);
  }
  const starts = [from];
  for (const node of document.nodes) {
    if (node.type !== 'input') continue;
    const name = (node.config as { name?: string }).name ?? '';
    if (canonicalJson(given[name] ?? null) !== canonicalJson(recorded.inputs[name] ?? null)) starts.push(node.id);
  }
  const rerun = new Set<string>();
  const queue = [...starts];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (rerun.has(id)) continue;
    rerun.add(id);
    queue.push(...(next.get(id) ?? []));
  }

  const before = new Map(recorded.document.nodes.map((n) => [n.id, n]));
  const reuse: Record<string, ReusedNode> = {};
  for (const node of document.nodes) {
    if (rerun.has(node.id)) continue;
    const old = before.get(node.id);
    const changed = !old ? 'it is new' : behaviourOf(old) !== behaviourOf(node) ? 'its config changed' : incoming(recorded.document, node.id) !== incoming(document, node.id) ? 'the edges into it changed' : undefined;
    if (changed) {
      throw new RunFromError('changed-upstream', node.id, `node "${node.id}" upstream of "${from}" differs from run ${recorded.id} (${changed}); run the whole pipeline, or start from "${node.id}"`);
    }
    const trace = recorded.nodes[node.id];
    if (trace?.status === 'skipped') {
      reuse[node.id] = { outputs: null, from: recorded.id };
    } else if (trace && (trace.status === 'succeeded' || trace.status === 'reused') && trace.outputs) {
      reuse[node.id] = { outputs: trace.outputs, ...(trace.inputs ? { inputs: trace.inputs } : {}), from: recorded.id };
    } else {
      throw new RunFromError('not-recorded', node.id, `node "${node.id}" upstream of "${from}" did not finish in run ${recorded.id} (it is ${trace?.status ?? 'not recorded'}); run the whole pipeline`);
    }
  }
  return { reuse, inputs: given, rerun: document.nodes.filter((n) => rerun.has(n.id)).map((n) => n.id) };
}
