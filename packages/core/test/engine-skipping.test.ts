import { describe, expect, it } from 'vitest';
import { runPipeline } from '../src/index';
import { pipeline, recorder } from './engine-fixtures';

// amount → router: big ($ > 100) → approve → approved-note ┐
//                  default           → reject               ┴→ merge → out
const routed = pipeline(
  [
    { id: 'amount', type: 'input', config: { name: 'amount', valueType: 'number' } },
    { id: 'route', type: 'router', config: { routes: [{ port: 'big', when: '$ > 100' }] } },
    { id: 'approve', type: 'template', config: { template: 'review {{ value }}' } },
    { id: 'note', type: 'template', config: { template: '{{ value }} by a person' } },
    { id: 'reject', type: 'template', config: { template: 'auto-approve {{ value }}' } },
    { id: 'join', type: 'merge', config: { inputs: ['a', 'b'] } },
    { id: 'out', type: 'output', config: { name: 'decision' } },
  ],
  [
    'amount.value -> route.value',
    'route.big -> approve.value',
    'approve.text -> note.value',
    'route.default -> reject.value',
    'note.text -> join.a',
    'reject.text -> join.b',
    'join.value -> out.value',
  ],
);

describe('runPipeline: branches not taken', () => {
  it('skips the branch the router did not take, down to the merge, which runs on what arrived', async () => {
    const rec = recorder();
    const result = await runPipeline(routed, { amount: 500 }, { onEvent: rec.onEvent });
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ decision: 'review 500 by a person' });
    expect(result.nodes.reject.status).toBe('skipped');
    expect(result.nodes.join.inputs).toEqual({ a: 'review 500 by a person' });
    expect(rec.kinds()).toContain('node.skipped:reject');
    expect(rec.kinds().filter((k) => k.startsWith('node.started:reject'))).toEqual([]);
  });

  it('skips everything hanging off the other port when the default is taken', async () => {
    const rec = recorder();
    const result = await runPipeline(routed, { amount: 20 }, { onEvent: rec.onEvent });
    expect(result.outputs).toEqual({ decision: 'auto-approve 20' });
    expect(result.nodes.approve.status).toBe('skipped');
    expect(result.nodes.note.status).toBe('skipped');
    // Skipped in order: a node's skip is announced before what it feeds.
    const skipped = rec.kinds().filter((k) => k.startsWith('node.skipped'));
    expect(skipped).toEqual(['node.skipped:approve', 'node.skipped:note']);
  });

  it('skips a merge (and what follows) only when every input was skipped', async () => {
    // Both merge inputs hang off the same not-taken port.
    const doc = pipeline(
      [
        { id: 'amount', type: 'input', config: { name: 'amount', valueType: 'number' } },
        { id: 'route', type: 'router', config: { routes: [{ port: 'big', when: '$ > 100' }] } },
        { id: 'x', type: 'template', config: { template: 'x {{ value }}' } },
        { id: 'y', type: 'template', config: { template: 'y {{ value }}' } },
        { id: 'join', type: 'merge', config: { inputs: ['a', 'b'] } },
        { id: 'out', type: 'output', config: { name: 'joined' } },
        { id: 'small', type: 'output', config: { name: 'small' } },
      ],
      ['amount.value -> route.value', 'route.big -> x.value', 'route.big -> y.value', 'x.text -> join.a', 'y.text -> join.b', 'join.value -> out.value', 'route.default -> small.value'],
    );
    const result = await runPipeline(doc, { amount: 1 });
    expect(result.status).toBe('succeeded');
    expect(result.nodes.join.status).toBe('skipped');
    expect(result.nodes.out.status).toBe('skipped');
    // An output on a branch not taken is left out of the outputs.
    expect(result.outputs).toEqual({ small: 1 });
  });

  it('skips a non-merge node when only one of its inputs is on a branch not taken', async () => {
    const doc = pipeline(
      [
        { id: 'amount', type: 'input', config: { name: 'amount', valueType: 'number' } },
        { id: 'route', type: 'router', config: { routes: [{ port: 'big', when: '$ > 100' }] } },
        { id: 'both', type: 'template', config: { template: '{{ routed }} of {{ amount }}' } },
        { id: 'out', type: 'output', config: { name: 'text' } },
        { id: 'raw', type: 'output', config: { name: 'raw' } },
      ],
      ['amount.value -> route.value', 'route.big -> both.routed', 'amount.value -> both.amount', 'both.text -> out.value', 'amount.value -> raw.value'],
    );
    const result = await runPipeline(doc, { amount: 5 });
    expect(result.nodes.both.status).toBe('skipped');
    expect(result.outputs).toEqual({ raw: 5 });
  });
});
