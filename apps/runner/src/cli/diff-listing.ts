import type { FieldChange, PipelineDiff, PipelineEdge } from '@patchbay/core';

const MAX_VALUE = 120;

/** A value as a diff line shows it: JSON, cut short so one line stays one line. */
function shown(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

const change = (c: FieldChange) => `${c.path}: ${shown(c.before)} → ${shown(c.after)}`;
const edge = (e: PipelineEdge) => `${e.from} → ${e.to}`;

/**
 * The readable listing `patchbay diff` prints: `+ node x (llm)`, `- node y (tool)`,
 * `~ node z: config.prompt: "old" → "new"` (one line per changed field),
 * `+ edge a.text → b.value`, `- edge …`, `~ name: … → …`.
 */
export function diffListing(diff: PipelineDiff): string[] {
  const lines: string[] = [];
  for (const c of diff.meta) lines.push(`~ ${change(c)}`);
  for (const node of diff.nodes.added) lines.push(`+ node ${node.id} (${node.type})`);
  for (const node of diff.nodes.removed) lines.push(`- node ${node.id} (${node.type})`);
  for (const node of diff.nodes.changed) for (const c of node.fields) lines.push(`~ node ${node.id}: ${change(c)}`);
  for (const e of diff.edges.added) lines.push(`+ edge ${edge(e)}`);
  for (const e of diff.edges.removed) lines.push(`- edge ${edge(e)}`);
  return lines;
}
