import type { PipelineDocument, PipelineNode, PipelineEdge } from '@patchbay/core';

const ROWS = 50;
const COLUMN_GAP = 300;
const ROW_GAP = 120;

/**
 * A laid-out pipeline of `count` nodes in columns of 50: inputs, then columns
 * of template and transform nodes each fed by its left neighbour, outputs
 * last. Saved pipelines carry positions, so the editor draws it without a layout pass.
 */
export function generatedPipeline(count: number, name = 'bench-editor'): PipelineDocument {
  const columns = Math.ceil(count / ROWS);
  const nodes: PipelineNode[] = [];
  const edges: PipelineEdge[] = [];
  const idAt = (c: number, r: number) => `n${c}_${r}`;
  for (let i = 0; i < count; i++) {
    const c = Math.floor(i / ROWS);
    const r = i % ROWS;
    const id = idAt(c, r);
    const position = { x: c * COLUMN_GAP, y: r * ROW_GAP };
    const last = c === columns - 1 && c > 0;
    if (c === 0) nodes.push({ id, type: 'input', position, config: { name: `in${r}`, valueType: 'string' } });
    else if (last) nodes.push({ id, type: 'output', position, config: { name: `out${r}` } });
    else if (c % 2 === 1) nodes.push({ id, type: 'template', position, config: { template: 'Step {{ v }}' } });
    else nodes.push({ id, type: 'transform', position, config: { expression: '$' } });
    if (c > 0) {
      const from = nodes.find((n) => n.id === idAt(c - 1, r));
      if (!from) continue;
      const port = from.type === 'input' || from.type === 'transform' ? 'value' : 'text';
      edges.push({ from: `${from.id}.${port}`, to: `${id}.${last || nodes[nodes.length - 1].type === 'transform' ? 'value' : 'v'}` });
    }
  }
  return { format: 'patchbay.pipeline/v1', name, nodes, edges };
}
