import type { Problem } from '@patchbay/core';

/**
 * A node's problem as the inspector says it: core's message without the node and field it is
 * about (the inspector is that node's), as a sentence. `node "s": config.index: Choose an index.`
 * → `Choose an index.`; `node "o": required input "value" has no edge into it` →
 * `Required input "value" has no edge into it.`
 */
export function problemSentence(problem: Pick<Problem, 'message'>, nodeId: string): string {
  let text = problem.message;
  const node = `node "${nodeId}": `;
  if (text.startsWith(node)) text = text.slice(node.length);
  text = text.replace(/^config(?:\.[A-Za-z0-9_-]+|\[\d+\])+: /, '').trim();
  if (!text) return problem.message;
  text = text[0].toUpperCase() + text.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
