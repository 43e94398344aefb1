import { connectionProblem } from '@patchbay/core';
import { portType, type FlowEdge, type FlowNode } from './flow-model';

export interface ConnectionAttempt {
  source: string | null;
  sourceHandle?: string | null;
  target: string | null;
  targetHandle?: string | null;
}

/**
 * Why an edge from `source.sourceHandle` to `target.targetHandle` cannot be
 * drawn, or null when it can. The type rule is core's (`connectionProblem`);
 * the editor adds what only a canvas can get wrong: a node feeding itself, a
 * cycle, a port that is not there.
 */
export function whyNotConnect(attempt: ConnectionAttempt, nodes: ReadonlyMap<string, FlowNode>, edges: readonly FlowEdge[]): string | null {
  const source = attempt.source ? nodes.get(attempt.source) : undefined;
  const target = attempt.target ? nodes.get(attempt.target) : undefined;
  if (!source || !target) return 'connect an output to an input of another node';
  if (source.id === target.id) return `${source.id} cannot feed itself`;
  const from = portType(source.data.ports, 'outputs', attempt.sourceHandle);
  const to = portType(target.data.ports, 'inputs', attempt.targetHandle);
  if (!from) return `${source.id} has no output "${attempt.sourceHandle}"`;
  if (!to) return `${target.id} has no input "${attempt.targetHandle}"`;
  const typeProblem = connectionProblem(from, to);
  if (typeProblem) return `${source.id}.${attempt.sourceHandle} → ${target.id}.${attempt.targetHandle}: ${typeProblem}`;
  if (reaches(target.id, source.id, edges)) return `${source.id} → ${target.id} would make a cycle (${target.id} already feeds ${source.id})`;
  return null;
}

/** True when a path of edges leads from `start` to `goal`. */
function reaches(start: string, goal: string, edges: readonly FlowEdge[]): boolean {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const list = next.get(e.source);
    if (list) list.push(e.target);
    else next.set(e.source, [e.target]);
  }
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === goal) return true;
    for (const n of next.get(id) ?? []) if (!seen.has(n)) (seen.add(n), stack.push(n));
  }
  return false;
}
