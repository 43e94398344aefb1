import { describe, expect, it } from 'vitest';
import { diffPipelines } from '../src/graph/diff';
import type { PipelineDocument } from '../src/schema/pipeline';

function base(): PipelineDocument {
  return {
    format: 'patchbay.pipeline/v1',
    name: 'demo',
    title: 'Demo',
    nodes: [
      { id: 'q', type: 'input', position: { x: 0, y: 0 }, config: { name: 'q', valueType: 'string' } },
      {
        id: 'route',
        type: 'router',
        position: { x: 200, y: 0 },
        config: { routes: [{ port: 'big', when: '$ > 100' }, { port: 'small', when: '$ < 10' }] },
      },
      { id: 't', type: 'template', config: { template: 'Hi {{ q }}' } },
      { id: 'out', type: 'output', config: { name: 'answer' } },
    ],
    edges: [
      { from: 'q.value', to: 'route.value' },
      { from: 'q.value', to: 't.q' },
      { from: 't.text', to: 'out.value' },
    ],
  };
}

describe('diffPipelines', () => {
  it('a document is identical to itself', () => {
    const diff = diffPipelines(base(), base());
    expect(diff.identical).toBe(true);
    expect(diff).toMatchObject({ nodes: { added: [], removed: [], changed: [] }, edges: { added: [], removed: [] }, meta: [] });
  });

  it('a move on the canvas, a new position or a reordered node list is not a change', () => {
    const moved = base();
    moved.nodes[0].position = { x: 999, y: -40 };
    delete moved.nodes[1].position;
    moved.nodes[2].position = { x: 5, y: 5 };
    moved.nodes.reverse();
    expect(diffPipelines(base(), moved).identical).toBe(true);
  });

  it('reports changes per config field, down to nested paths', () => {
    const after = base();
    (after.nodes[1].config.routes as { when: string }[])[0].when = '$ > 1000';
    after.nodes[2].config.template = 'Hello {{ q }}';
    const diff = diffPipelines(base(), after);
    expect(diff.identical).toBe(false);
    expect(diff.nodes.changed).toEqual([
      { id: 'route', type: 'router', fields: [{ path: 'config.routes[0].when', before: '$ > 100', after: '$ > 1000' }] },
      { id: 't', type: 'template', fields: [{ path: 'config.template', before: 'Hi {{ q }}', after: 'Hello {{ q }}' }] },
    ]);
  });

  it('counts a type change, timeoutMs, retries and label, and a field only one side has', () => {
    const after = base();
    Object.assign(after.nodes[2], { type: 'llm', label: 'Greeting', timeoutMs: 5000, retries: 2 });
    after.nodes[2].config.model = 'offline:echo';
    after.nodes[1].config.routes = [{ port: 'big', when: '$ > 100' }];
    const changed = diffPipelines(base(), after).nodes.changed;
    expect(changed.find((c) => c.id === 't')).toEqual({
      id: 't',
      type: 'llm',
      fields: [
        { path: 'type', before: 'template', after: 'llm' },
        { path: 'config.model', before: undefined, after: 'offline:echo' },
        { path: 'label', before: undefined, after: 'Greeting' },
        { path: 'timeoutMs', before: undefined, after: 5000 },
        { path: 'retries', before: undefined, after: 2 },
      ],
    });
    expect(changed.find((c) => c.id === 'route')!.fields).toEqual([
      { path: 'config.routes[1]', before: { port: 'small', when: '$ < 10' }, after: undefined },
    ]);
  });

  it('lists nodes and edges added and removed, and name/title/description changes', () => {
    const after = base();
    after.nodes = after.nodes.filter((n) => n.id !== 't');
    after.nodes.push({ id: 'shout', type: 'transform', config: { expression: '$uppercase($)' } });
    after.edges = [
      { from: 'q.value', to: 'route.value' },
      { from: 'q.value', to: 'shout.value' },
      { from: 'shout.value', to: 'out.value' },
    ];
    after.title = 'Demo 2';
    after.description = 'Now shouting';
    const diff = diffPipelines(base(), after);
    expect(diff.nodes.added.map((n) => n.id)).toEqual(['shout']);
    expect(diff.nodes.removed.map((n) => n.id)).toEqual(['t']);
    expect(diff.edges.added).toEqual([
      { from: 'q.value', to: 'shout.value' },
      { from: 'shout.value', to: 'out.value' },
    ]);
    expect(diff.edges.removed).toEqual([
      { from: 'q.value', to: 't.q' },
      { from: 't.text', to: 'out.value' },
    ]);
    expect(diff.meta).toEqual([
      { path: 'title', before: 'Demo', after: 'Demo 2' },
      { path: 'description', before: undefined, after: 'Now shouting' },
    ]);
  });
});
