import { describe, expect, it } from 'vitest';
import { parseEdgeEnd, type PipelineDocument } from '@patchbay/core';
import { autoLayout, estimatedSize, placeMissing } from '../src/lib/layout';
import { placed as placedOnOpen } from '../src/hooks/use-editor-content';
import { echoPipeline } from './support/documents';

const unplaced = (doc: PipelineDocument): PipelineDocument => ({ ...doc, nodes: doc.nodes.map(({ position: _p, ...n }) => n) });

function overlaps(doc: PipelineDocument): boolean {
  const boxes = doc.nodes.map((n) => ({ ...n.position!, ...estimatedSize(n, doc.edges) }));
  return boxes.some((a, i) => boxes.some((b, j) => i < j && a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height));
}

describe('auto-layout', () => {
  it('places every node of a document that has no positions, left to right along the edges, without overlaps', () => {
    const doc = unplaced(echoPipeline());
    doc.nodes.push({ id: 'extra', type: 'template', config: { template: '{{ text }}' } });
    doc.edges.push({ from: 'answer.text', to: 'extra.text' });
    const placed = placeMissing(doc);
    const at = new Map(placed.nodes.map((n) => [n.id, n.position!]));
    expect(placed.nodes.every((n) => n.position && Number.isFinite(n.position.x) && Number.isFinite(n.position.y))).toBe(true);
    for (const edge of placed.edges) expect(at.get(parseEdgeEnd(edge.from).node)!.x).toBeLessThan(at.get(parseEdgeEnd(edge.to).node)!.x);
    expect(overlaps(placed)).toBe(false);
  });

  it('lays out, on opening, a node stored off the canvas (±1e308, saved before positions were bounded) and keeps the others', async () => {
    const doc = echoPipeline();
    doc.nodes[1].position = { x: 1e308, y: -1e308 };
    doc.nodes[2].position = { x: 5, y: 20_000_000 };
    const opened = await placedOnOpen(doc);
    expect(opened.nodes[0].position).toEqual({ x: 0, y: 0 });
    for (const node of opened.nodes) expect(Math.max(Math.abs(node.position!.x), Math.abs(node.position!.y))).toBeLessThan(10_000);
  });

  it('leaves placed nodes where they are and only places the rest', () => {
    const doc = echoPipeline();
    delete doc.nodes[2].position;
    const placed = placeMissing(doc);
    expect(placed.nodes[0].position).toEqual({ x: 0, y: 0 });
    expect(placed.nodes[1].position).toEqual({ x: 300, y: 0 });
    expect(placed.nodes[2].position).toBeDefined();
    expect(placeMissing(echoPipeline())).toEqual(echoPipeline());
  });

  it('lays out a wide fan-out without overlaps', () => {
    const doc = echoPipeline();
    for (let i = 0; i < 12; i++) {
      doc.nodes.push({ id: `t${i}`, type: 'template', position: { x: 0, y: 0 }, config: { template: '{{ v }}' } });
      doc.edges.push({ from: 'question.value', to: `t${i}.v` });
    }
    expect(overlaps(doc)).toBe(true);
    expect(overlaps(autoLayout(doc))).toBe(false);
  });
});
