import { describe, expect, it } from 'vitest';
import { diffOverlay, formatValue } from '../src/lib/diff-overlay';
import { EditorStore } from '../src/lib/editor-store';
import { echoPipeline } from './support/documents';

describe('diff overlay', () => {
  const before = echoPipeline();
  before.nodes.push({ id: 'note', type: 'template', position: { x: 0, y: 200 }, config: { template: 'x' } });
  const after = echoPipeline('echo', 'Tell me: {{ question }}');
  after.nodes.push({ id: 'extra', type: 'template', position: { x: 600, y: 200 }, config: { template: '{{ t }}' } });
  after.edges.push({ from: 'answer.text', to: 'extra.t' });
  after.nodes[0].position = { x: 50, y: 50 }; // a move is not a change

  it('draws both versions on one canvas with each node marked', () => {
    const overlay = diffOverlay(before, after);
    expect(overlay.doc.nodes.map((n) => n.id)).toEqual(['question', 'answer', 'result', 'extra', 'note']);
    expect(Object.fromEntries(overlay.nodes)).toEqual({ extra: 'added', note: 'removed', answer: 'changed' });
    expect(Object.fromEntries(overlay.edges)).toEqual({ 'answer.text->extra.t': 'added' });
    expect(overlay.fields.get('answer')).toEqual([{ path: 'config.prompt', before: 'Say: {{ question }}', after: 'Tell me: {{ question }}' }]);
  });

  it('puts the marks on the canvas nodes and edges, read-only', () => {
    const overlay = diffOverlay(before, after);
    const store = new EditorStore(after);
    store.load(overlay.doc, { readOnly: true, marks: overlay });
    const nodes = new Map(store.getState().nodes.map((n) => [n.id, n]));
    expect(nodes.get('note')?.data.diff).toBe('removed');
    expect(nodes.get('extra')?.data.diff).toBe('added');
    expect(nodes.get('question')?.data.diff).toBeUndefined();
    expect(store.getState().edges.find((e) => e.id === 'answer.text->extra.t')?.className).toBe('diff-added');
    expect(store.getState().readOnly).toBe(true);
  });

  it('prints values short and on one line', () => {
    expect(formatValue(undefined)).toBe('(none)');
    expect(formatValue('a\nb')).toBe('"a\\nb"');
    expect(formatValue('x'.repeat(500))).toHaveLength(158);
  });
});
