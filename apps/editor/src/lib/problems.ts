import type { PipelineDocument, Problem } from '@patchbay/core';

/** The node a problem is about: the ids it names, else the node its JSON path points into. */
export function problemNodes(problem: Problem, doc: Pick<PipelineDocument, 'nodes'>): string[] {
  if (problem.nodes?.length) return problem.nodes;
  const match = /^\$\.nodes\[(\d+)\]/.exec(problem.path);
  const node = match ? doc.nodes[Number(match[1])] : undefined;
  return node ? [node.id] : [];
}

export function problemsByNode(problems: readonly Problem[], doc: Pick<PipelineDocument, 'nodes'>): Map<string, Problem[]> {
  const byNode = new Map<string, Problem[]>();
  for (const problem of problems) {
    for (const id of problemNodes(problem, doc)) {
      const list = byNode.get(id);
      if (list) list.push(problem);
      else byNode.set(id, [problem]);
    }
  }
  return byNode;
}
