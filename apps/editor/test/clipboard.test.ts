import { describe, expect, it } from 'vitest';
import { MAX_NODE_ID_LENGTH, validatePipeline } from '@patchbay/core';
import { CLIPBOARD_FORMAT, copyNodes, pasteNodes, readPayload } from '../src/lib/clipboard';
import { echoPipeline } from './support/documents';

// The clipboard is anyone's to fill: a payload that says it is Patchbay's is checked before it
// reaches the canvas, where a node with no config or an edge that is not "node.port" broke it.
const clip = (nodes: unknown, edges: unknown = []) => JSON.stringify({ format: CLIPBOARD_FORMAT, nodes, edges });

describe('reading the clipboard', () => {
  it('reads what Copy wrote', () => {
    const doc = echoPipeline();
    const copied = copyNodes(doc, new Set(['answer', 'result']))!;
    const read = readPayload(JSON.stringify(copied));
    expect(read).toEqual({ payload: copied });
    if (!read || !('payload' in read)) throw new Error('not read');
    expect(pasteNodes(doc, read.payload).nodes.map((n) => n.id)).toEqual(['answer1', 'result1']);
  });

  it('leaves text copied elsewhere to the last Copy', () => {
    expect(readPayload('hello')).toBeUndefined();
    expect(readPayload('{"nodes": []}')).toBeUndefined();
  });

  it('fills in what a node may leave out, as an opened document does', () => {
    const read = readPayload(clip([{ id: 'a', type: 'template' }]));
    expect(read).toEqual({ payload: { format: CLIPBOARD_FORMAT, nodes: [{ id: 'a', type: 'template', config: {} }], edges: [] } });
  });

  it.each([
    ['a node that is not an object', [null], [], '$.nodes[0]'],
    ['a node without an id', [{ type: 'template', config: {} }], [], '$.nodes[0].id'],
    ['a position that is not numbers', [{ id: 'a', type: 'template', position: { x: 'q', y: null }, config: {} }], [], 'position'],
    ['an edge end that is not text', [{ id: 'a', type: 'template', config: {} }], [{ from: 5, to: null }], '$.edges[0]'],
    ['nodes that are not a list', { a: 1 }, [], '$.nodes'],
  ])('refuses %s in one line naming where', (_what, nodes, edges, where) => {
    const read = readPayload(clip(nodes, edges));
    expect(read).toMatchObject({ problem: expect.stringContaining(where) });
    const problem = (read as { problem: string }).problem;
    expect(problem.startsWith('The copied nodes cannot be pasted: ')).toBe(true);
    expect(problem).not.toContain('\n');
  });
});

describe('pasting', () => {
  it('gives a copy of a node with the longest id allowed a fresh id that is still allowed', () => {
    // A node id is at most MAX_NODE_ID_LENGTH characters; its copy's number must not push it past that.
    const long = 'a'.repeat(MAX_NODE_ID_LENGTH - 1) + 'b';
    const doc = echoPipeline();
    doc.nodes[1].id = long;
    doc.edges = [
      { from: 'question.value', to: `${long}.question` },
      { from: `${long}.text`, to: 'result.value' },
    ];
    const twice = { ...doc, nodes: [...doc.nodes], edges: [...doc.edges] };
    for (let round = 0; round < 2; round++) {
      const pasted = pasteNodes(twice, copyNodes(twice, new Set([long]))!);
      twice.nodes.push(...pasted.nodes);
      twice.edges.push(...pasted.edges);
    }
    const ids = twice.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(MAX_NODE_ID_LENGTH);
    expect(validatePipeline(twice).problems.filter((p) => p.path.endsWith('.id'))).toEqual([]);
  });
});
