import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PipelineDocument } from '@patchbay/core';
import { InProcessJobRegistry } from '../src/jobs/in-process-registry';
import { RunManager } from '../src/runs/run-manager';
import { openSqliteStore } from '../src/store/index';

// Scaled out (`commitEachRun`), a run's job is acknowledged after its outcome is committed, and other
// processes read it next: the commit must go at once, not wait for the store's batching timer (which
// would add its delay to every run a worker takes). The timers are held still, so a commit that
// waited for one never comes.
afterEach(() => vi.useRealTimers());

const PASS_THROUGH = {
  format: 'patchbay.pipeline/v1',
  name: 'pass-through',
  nodes: [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ],
  edges: [{ from: 'q.value', to: 'out.value' }],
} as unknown as PipelineDocument;

describe('run manager, scaled out', () => {
  it('commits a run’s outcome at once when it ends, without waiting for the store’s batch timer', async () => {
    const store = openSqliteStore(':memory:');
    const observed: string[] = [];
    const runs = new RunManager({ store: store.runs, services: {}, jobs: new InProcessJobRegistry(), commitEachRun: true, observe: (run) => observed.push(run.id) });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const id = await runs.start({ document: PASS_THROUGH, inputs: { question: 'hello' }, pipeline: null, version: null, inline: true });
    // Turns of the event loop, no timer: the run ends, is committed and handed to monitoring.
    for (let turn = 0; turn < 200 && observed.length === 0; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(observed).toEqual([id]);
    vi.useRealTimers();
    expect((await store.runs.get(id))?.status).toBe('succeeded');
    await store.close();
  });
});
