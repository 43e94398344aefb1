import { nodePorts, pipelineOutputs, type PipelineDocument, type RunResult } from '@patchbay/core';
import { getScorerType } from './scorers/index';
import type { ScorerSpec } from './suite';
import { EvalInputError } from './session/input-error';

/** What a scorer reads: a pipeline output, or one port of one node from the run's trace. */
export type TargetRef =
  | { kind: 'output'; name: string; label: string }
  | { kind: 'node'; node: string; port: string; label: string; /** `PARENT/CHILD`: node ids from the top run down into nested child runs. */ path?: string[] };

/** A target that does not exist in the pipeline: bad input, found before any case runs. */
export class TargetError extends EvalInputError {
  override name = 'TargetError';
  constructor(
    message: string,
    /** The 0-based position of the scorer at fault in the suite. */
    readonly scorerIndex?: number,
  ) {
    super(message);
  }
}

export function parseTarget(text: string): TargetRef {
  if (text.startsWith('node:')) {
    const rest = text.slice(5);
    const dot = rest.indexOf('.');
    const node = rest.slice(0, dot);
    const path = node.split('/');
    return { kind: 'node', node: path[0], port: rest.slice(dot + 1), label: text, ...(path.length > 1 ? { path } : {}) };
  }
  return { kind: 'output', name: text, label: text };
}

/**
 * The target of each scorer, checked against the pipeline: the output or the
 * node and port must exist. A scorer without a target reads the pipeline's only
 * output; with several outputs it must name one. Budget scorers read no target (null).
 */
export function resolveTargets(doc: PipelineDocument, scorers: ScorerSpec[]): Map<string, TargetRef | null> {
  const outputs = pipelineOutputs(doc);
  const refs = new Map<string, TargetRef | null>();
  for (const [i, scorer] of scorers.entries()) {
    const readsTarget = getScorerType(scorer.type)?.readsTarget !== false;
    if (!scorer.target) {
      if (!readsTarget) refs.set(scorer.name, null);
      else if (outputs.length === 1) refs.set(scorer.name, { kind: 'output', name: outputs[0], label: outputs[0] });
      else throw new TargetError(`scorer "${scorer.name}": the pipeline has ${outputs.length ? `${outputs.length} outputs (${outputs.join(', ')})` : 'no output'}; set "target" to one of them or to "node:<id>.<port>"`, i);
      continue;
    }
    const ref = parseTarget(scorer.target);
    if (ref.kind === 'output' && !outputs.includes(ref.name)) {
      throw new TargetError(`scorer "${scorer.name}": target "${ref.name}" is not an output of pipeline "${doc.name}" (outputs: ${outputs.join(', ') || 'none'})`, i);
    }
    if (ref.kind === 'node') {
      const node = doc.nodes.find((n) => n.id === ref.node);
      if (!node) throw new TargetError(`scorer "${scorer.name}": target ${ref.label}: no node "${ref.node}" in pipeline "${doc.name}"`, i);
      if (ref.path) {
        // The child's nodes are known only once its reference resolves at run time; its parent must call one.
        if (node.type !== 'pipeline') throw new TargetError(`scorer "${scorer.name}": target ${ref.label}: node "${ref.node}" is a ${node.type} node, not a pipeline node with a child run`, i);
        refs.set(scorer.name, ref);
        continue;
      }
      const ports = nodePorts(node)?.outputs.map((p) => p.name) ?? [];
      if (!ports.includes(ref.port)) {
        throw new TargetError(`scorer "${scorer.name}": target ${ref.label}: node "${ref.node}" (${node.type}) has no output port "${ref.port}" (ports: ${ports.join(', ') || 'none'})`, i);
      }
    }
    refs.set(scorer.name, ref);
  }
  return refs;
}

/** The value a target points at in a finished run (undefined when the node was skipped or the output absent). */
export function readTarget(ref: TargetRef, run: Pick<RunResult, 'outputs' | 'nodes'>): unknown {
  if (ref.kind === 'output') return run.outputs?.[ref.name];
  if (!ref.path) return run.nodes?.[ref.node]?.outputs?.[ref.port];
  let nodes = run.nodes;
  for (const id of ref.path.slice(0, -1)) nodes = nodes?.[id]?.child?.nodes as typeof nodes;
  return nodes?.[ref.path.at(-1)!]?.outputs?.[ref.port];
}
