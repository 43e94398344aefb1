import { describe, expect, it } from 'vitest';
import type { NodeTrace, RunEvent } from '@patchbay/core';
import { RunStore } from '../src/lib/run-store';

const trace = (id: string, outputs: Record<string, unknown>): NodeTrace => ({ id, type: 'llm', status: 'succeeded', attempts: 1, outputs, durationMs: 3 });

/** A store whose notifications wait for an explicit flush, like a frame that has not come yet. */
function manualStore() {
  const pending: (() => void)[] = [];
  const store = new RunStore((flush) => pending.push(flush));
  return { store, frame: () => pending.splice(0).forEach((f) => f()) };
}

describe('RunStore', () => {
  it('follows a run from its events', () => {
    const { store, frame } = manualStore();
    const events: RunEvent[] = [
      { type: 'run.started', runId: 'r1', at: 0, inputs: { q: 'hi' } },
      { type: 'node.started', runId: 'r1', nodeId: 'a', at: 1, attempt: 1 },
      { type: 'node.token', runId: 'r1', nodeId: 'a', text: 'Hel' },
      { type: 'node.token', runId: 'r1', nodeId: 'a', text: 'lo' },
    ];
    events.forEach((e) => store.apply(e));
    frame();
    expect(store.getNode('a')).toEqual({ status: 'running', text: 'Hello' });
    store.apply({ type: 'node.completed', runId: 'r1', nodeId: 'a', at: 2, durationMs: 1, trace: trace('a', { text: 'Hello' }) });
    store.apply({ type: 'node.skipped', runId: 'r1', nodeId: 'b', at: 2 });
    store.apply({ type: 'run.completed', runId: 'r1', at: 3, durationMs: 3, outputs: { answer: 'Hello' } });
    frame();
    expect(store.getNode('a')?.status).toBe('succeeded');
    expect(store.getNode('b')?.status).toBe('skipped');
    expect(store.getRun()).toMatchObject({ runId: 'r1', phase: 'succeeded', outputs: { answer: 'Hello' }, inputs: { q: 'hi' } });
  });

  it("shows an agent's current step as it streams, as its text will be: the last step's, not every step's run together", () => {
    const { store, frame } = manualStore();
    store.apply({ type: 'node.started', runId: 'r', nodeId: 'ag', at: 0, attempt: 1 });
    store.apply({ type: 'node.token', runId: 'r', nodeId: 'ag', text: 'Let me look ', step: 1 });
    store.apply({ type: 'node.token', runId: 'r', nodeId: 'ag', text: 'that up.', step: 1 });
    frame();
    expect(store.getNode('ag')).toEqual({ status: 'running', text: 'Let me look that up.', step: 1 });
    store.apply({ type: 'node.token', runId: 'r', nodeId: 'ag', text: 'It is ', step: 2 });
    store.apply({ type: 'node.token', runId: 'r', nodeId: 'ag', text: '42.', step: 2 });
    frame();
    expect(store.getNode('ag')).toEqual({ status: 'running', text: 'It is 42.', step: 2 });
    // A retried attempt starts over from its first step.
    store.apply({ type: 'node.started', runId: 'r', nodeId: 'ag', at: 1, attempt: 2 });
    store.apply({ type: 'node.token', runId: 'r', nodeId: 'ag', text: 'Again', step: 1 });
    frame();
    expect(store.getNode('ag')).toEqual({ status: 'running', text: 'Again', step: 1 });
  });

  it('tells a node once per frame, and only the node that changed', () => {
    const { store, frame } = manualStore();
    let a = 0;
    let b = 0;
    store.subscribeNode('a', () => a++);
    store.subscribeNode('b', () => b++);
    store.apply({ type: 'node.started', runId: 'r', nodeId: 'a', at: 0, attempt: 1 });
    for (let i = 0; i < 50; i++) store.apply({ type: 'node.token', runId: 'r', nodeId: 'a', text: 'x' });
    expect(a).toBe(0);
    frame();
    expect(a).toBe(1);
    expect(b).toBe(0);
    expect(store.getNode('a')?.text).toHaveLength(50);
  });

  it('marks a cancelled run and the nodes it stopped', () => {
    const { store, frame } = manualStore();
    store.apply({ type: 'run.started', runId: 'r', at: 0, inputs: {} });
    store.apply({ type: 'node.started', runId: 'r', nodeId: 'slow', at: 0, attempt: 1 });
    store.apply({ type: 'run.failed', runId: 'r', at: 1, durationMs: 1, error: 'cancelled', cancelled: true });
    frame();
    expect(store.getRun().phase).toBe('cancelled');
    expect(store.getNode('slow')?.status).toBe('cancelled');
  });

  it("keeps the shown run's states when a stream of another run still feeds it (a run opened while running, a Cancel that could not reach the runner, then Run)", () => {
    const { store, frame } = manualStore();
    // the page follows run "old" (?run=old), still running
    store.apply({ type: 'run.started', runId: 'old', at: 0, inputs: { q: 'first' } });
    store.apply({ type: 'node.started', runId: 'old', nodeId: 'a', at: 1, attempt: 1 });
    // Cancel could not reach the runner (the page stopped showing it as running), then Run: the new run streams to its end
    store.reset();
    store.apply({ type: 'run.started', runId: 'new', at: 2, inputs: { q: 'second' } });
    store.apply({ type: 'node.started', runId: 'new', nodeId: 'a', at: 3, attempt: 1 });
    store.apply({ type: 'node.completed', runId: 'new', nodeId: 'a', at: 4, durationMs: 1, trace: trace('a', { text: 'second answer' }) });
    store.apply({ type: 'run.completed', runId: 'new', at: 5, durationMs: 3, outputs: { answer: 'second answer' } });
    // ...while the old run's stream goes on
    store.apply({ type: 'node.started', runId: 'old', nodeId: 'a', at: 6, attempt: 2 });
    store.apply({ type: 'node.token', runId: 'old', nodeId: 'a', text: 'first' });
    store.apply({ type: 'run.failed', runId: 'old', at: 7, durationMs: 7, error: 'boom', nodeId: 'a' });
    frame();
    expect(store.getRun()).toMatchObject({ runId: 'new', phase: 'succeeded', outputs: { answer: 'second answer' } });
    expect(store.getRun().error).toBeUndefined();
    expect(store.getNode('a')).toMatchObject({ status: 'succeeded', text: 'second answer' });
  });

  it('shows a stored run as if it had streamed', () => {
    const { store } = manualStore();
    store.load({
      id: 'r9', pipeline: 'p', version: 2, status: 'failed', startedAt: 0, durationMs: 9, error: 'boom', failedNode: 'b',
      source: 'editor', label: null, keyName: null, from: null, resolved: null, inputs: { q: 1 }, outputs: null, document: null,
      nodes: { a: trace('a', { text: 'partial' }), b: { id: 'b', type: 'code', status: 'failed', attempts: 2, error: 'boom' } },
    });
    expect(store.getNode('a')).toMatchObject({ status: 'succeeded', text: 'partial' });
    expect(store.getNode('b')).toMatchObject({ status: 'failed', error: 'boom' });
    expect(store.getRun()).toMatchObject({ runId: 'r9', phase: 'failed', error: 'boom', failedNode: 'b' });
  });
});
