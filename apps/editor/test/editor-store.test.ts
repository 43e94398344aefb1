import { describe, expect, it } from 'vitest';
import type { NodeChange } from '@xyflow/react';
import type { PipelineDocument } from '@patchbay/core';
import { EditorStore } from '../src/lib/editor-store';
import type { FlowNode } from '../src/lib/flow-model';
import { echoPipeline } from './support/documents';

const ports = (store: EditorStore, id: string) => store.getState().nodes.find((n) => n.id === id)!.data.ports;
const edges = (store: EditorStore) => store.document().edges.map((e) => `${e.from}->${e.to}`).sort();
const ids = (store: EditorStore) => store.document().nodes.map((n) => n.id);

describe('EditorStore', () => {
  it('gives back the document it was loaded with', () => {
    const doc = echoPipeline();
    expect(new EditorStore(doc).document()).toEqual(doc);
  });

  it('refuses a connection whose types do not fit, with core’s reason', () => {
    const store = new EditorStore(echoPipeline());
    store.addNode('retrieve', { x: 0, y: 300 }, { index: 'docs' });
    const problem = store.connect({ source: 'answer', sourceHandle: 'usage', target: 'retrieve1', targetHandle: 'query' });
    expect(problem).toBe('answer.usage → retrieve1.query: a json output cannot feed a string input (no coercion from json to string)');
    expect(edges(store)).toEqual(['answer.text->result.value', 'question.value->answer.question']);
  });

  it('accepts a coercion core declares, and replaces what fed an input before', () => {
    const store = new EditorStore(echoPipeline());
    store.addNode('input', { x: 0, y: 200 }, { name: 'x', valueType: 'number' });
    // number → any is fine; the new edge takes the place of question → answer.question
    expect(store.connect({ source: 'input1', sourceHandle: 'value', target: 'answer', targetHandle: 'question' })).toBeNull();
    expect(edges(store)).toEqual(['answer.text->result.value', 'input1.value->answer.question']);
  });

  it('refuses self-loops, cycles and ports that do not exist', () => {
    const store = new EditorStore(echoPipeline('p', '{{ question }} {{ again }}'));
    expect(store.connect({ source: 'answer', sourceHandle: 'text', target: 'answer', targetHandle: 'again' })).toBe('answer cannot feed itself');
    store.addNode('template', { x: 0, y: 0 }, { template: '{{ t }}' });
    expect(store.connect({ source: 'answer', sourceHandle: 'text', target: 'template1', targetHandle: 't' })).toBeNull();
    expect(store.connect({ source: 'template1', sourceHandle: 'text', target: 'answer', targetHandle: 'again' })).toMatch(/would make a cycle/);
    expect(store.connect({ source: 'question', sourceHandle: 'value', target: 'answer', targetHandle: 'nope' })).toBe('answer has no input "nope"');
  });

  it('gives llm nodes an input port per template variable as the prompt changes', () => {
    const store = new EditorStore(echoPipeline());
    expect(ports(store, 'answer').inputs.map((p) => p.name)).toEqual(['question']);
    store.updateNode('answer', { config: { model: 'offline:echo', system: 'Be {{ tone }}', prompt: '{{ question }} about {{ topic }}' } }, 'config.prompt');
    expect(ports(store, 'answer').inputs.map((p) => p.name)).toEqual(['tone', 'question', 'topic']);
  });

  it('keeps an edge whose port went away, drawn as a missing port', () => {
    const store = new EditorStore(echoPipeline());
    store.updateNode('answer', { config: { model: 'offline:echo', prompt: 'no variables' } }, 'config.prompt');
    expect(ports(store, 'answer').inputs).toEqual([{ name: 'question', type: 'any', missing: true }]);
    expect(edges(store)).toContain('question.value->answer.question');
  });

  it('undoes and redoes adding a node', () => {
    const store = new EditorStore(echoPipeline());
    store.addNode('transform', { x: 10, y: 10 }, { expression: '$' });
    expect(ids(store)).toContain('transform1');
    store.undo();
    expect(ids(store)).not.toContain('transform1');
    expect(store.getState().canRedo).toBe(true);
    store.redo();
    expect(ids(store)).toContain('transform1');
  });

  it('makes one undo step of typing into one field', () => {
    const store = new EditorStore(echoPipeline());
    for (const prompt of ['S', 'Sa', 'Say', 'Say {{ question }}!']) store.updateNode('answer', { config: { model: 'offline:echo', prompt } }, 'config.prompt');
    store.updateNode('answer', { label: 'The answer' }, 'label');
    store.undo();
    expect(store.document().nodes[1].label).toBeUndefined();
    expect(store.document().nodes[1].config.prompt).toBe('Say {{ question }}!');
    store.undo();
    expect(store.document().nodes[1].config.prompt).toBe('Say: {{ question }}');
    expect(store.getState().canUndo).toBe(false);
  });

  it('makes one undo step of a drag', () => {
    const store = new EditorStore(echoPipeline());
    const move = (x: number, dragging: boolean): NodeChange<FlowNode>[] => [{ type: 'position', id: 'answer', position: { x, y: 0 }, dragging }];
    store.onNodesChange(move(310, true));
    store.onNodesChange(move(320, true));
    store.onNodesChange(move(330, false));
    expect(store.document().nodes[1].position).toEqual({ x: 330, y: 0 });
    expect(store.getState().dirty).toBe(true);
    store.undo();
    expect(store.document().nodes[1].position).toEqual({ x: 300, y: 0 });
  });

  it('is dirty only while the canvas differs from what was loaded or saved (undo back, type back, drag back: clean)', () => {
    const store = new EditorStore(echoPipeline());
    const prompt = store.document().nodes[1].config.prompt;
    store.updateNode('answer', { config: { model: 'offline:echo', prompt: 'Changed {{ question }}' } }, 'config.prompt');
    expect(store.getState().dirty).toBe(true);
    store.undo();
    expect(store.getState().dirty).toBe(false);
    store.redo();
    expect(store.getState().dirty).toBe(true);
    store.updateNode('answer', { config: { model: 'offline:echo', prompt } }, 'config.prompt');
    expect(store.getState().dirty).toBe(false);

    const move = (x: number, dragging: boolean): NodeChange<FlowNode>[] => [{ type: 'position', id: 'answer', position: { x, y: 0 }, dragging }];
    store.onNodesChange(move(350, true));
    expect(store.getState().dirty).toBe(true);
    store.onNodesChange(move(300, false));
    expect(store.getState().dirty).toBe(false);

    store.updateNode('answer', { label: 'Saved label' }, 'label');
    store.markSaved();
    expect(store.getState().dirty).toBe(false);
    store.undo();
    expect(store.getState().dirty).toBe(true);
  });

  it('deletes the selection with the edges that touch it', () => {
    const store = new EditorStore(echoPipeline());
    store.select(['answer']);
    store.deleteSelection();
    expect(ids(store)).toEqual(['question', 'result']);
    expect(edges(store)).toEqual([]);
  });

  it('pastes copies with fresh ids, rewired edges and unique input names, selected', () => {
    const store = new EditorStore(echoPipeline());
    store.select(['question', 'answer']);
    const payload = store.copySelection()!;
    const pasted = store.paste(payload);
    expect(pasted).toEqual(['question1', 'answer1']);
    expect(edges(store)).toContain('question1.value->answer1.question');
    const copy = store.document().nodes.find((n) => n.id === 'question1')!;
    expect(copy.config.name).toBe('question1');
    expect(copy.position).toEqual({ x: 40, y: 40 });
    expect(store.selectedIds()).toEqual(['question1', 'answer1']);
  });

  it('refuses a rename to an id the runner would refuse, saying why; the edges follow a good one', () => {
    const store = new EditorStore(echoPipeline());
    expect(store.renameNode('answer', 'a b')).toBe('An id starts with a letter and has only letters, digits, "_" and "-".');
    expect(store.renameNode('answer', 'a'.repeat(101))).toBe('An id is at most 100 characters.');
    expect(store.renameNode('answer', 'result')).toBe('There is already a node "result".');
    expect(ids(store)).toEqual(['question', 'answer', 'result']);
    expect(store.renameNode('answer', 'a'.repeat(100))).toBeNull();
    expect(edges(store)).toEqual([`${'a'.repeat(100)}.text->result.value`, `question.value->${'a'.repeat(100)}.question`]);
  });

  it('changes nothing while read-only', () => {
    const doc: PipelineDocument = echoPipeline();
    const store = new EditorStore(doc, { readOnly: true });
    store.select(['answer']);
    store.deleteSelection();
    store.updateNode('answer', { label: 'x' });
    expect(store.connect({ source: 'question', sourceHandle: 'value', target: 'result', targetHandle: 'value' })).toBe('this version is read-only');
    expect(store.document()).toEqual(doc);
    expect(store.getState().nodes.every((n) => n.draggable === false)).toBe(true);
  });

  it('keeps the objects of nodes an edit did not touch (so React skips them)', () => {
    const store = new EditorStore(echoPipeline());
    const before = store.getState().nodes;
    store.updateNode('answer', { label: 'Answer' }, 'label');
    const after = store.getState().nodes;
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    expect(after[1]).not.toBe(before[1]);
  });
});
