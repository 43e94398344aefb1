import { describe, expect, it } from 'vitest';
import { runPipeline, retryBackoffMs, type RunEvent } from '../src/index';
import { createSandbox } from '../src/node/index';
import { pipeline, Probe, recorder, testNodeTypes } from './engine-fixtures';

// Two independent branches of 50 ms each, joined by nothing: they should overlap.
const twoBranches = pipeline([
  { id: 'left', type: 'wait', config: { ms: 50 } },
  { id: 'right', type: 'wait', config: { ms: 50 } },
]);

/** Whether both branches started before either of them finished (overlap, told by event order rather than by the clock). */
function overlapped(kinds: string[]): boolean {
  const firstDone = kinds.findIndex((k) => k.startsWith('node.completed:'));
  return firstDone > 0 && kinds.indexOf('node.started:left') < firstDone && kinds.indexOf('node.started:right') < firstDone && kinds.indexOf('node.started:right') >= 0;
}

describe('runPipeline: concurrency', () => {
  it('runs independent branches at the same time (both start before either finishes)', async () => {
    const rec = recorder();
    const result = await runPipeline(twoBranches, {}, { nodeTypes: testNodeTypes(), onEvent: rec.onEvent });
    expect(result.status).toBe('succeeded');
    expect(overlapped(rec.kinds())).toBe(true);
    expect(rec.kinds().slice(1, 3)).toEqual(['node.started:left', 'node.started:right']);
  });

  it('serialises them with concurrency: 1', async () => {
    const rec = recorder();
    const result = await runPipeline(twoBranches, {}, { nodeTypes: testNodeTypes(), concurrency: 1, onEvent: rec.onEvent });
    expect(result.status).toBe('succeeded');
    expect(overlapped(rec.kinds())).toBe(false);
    // The second branch starts only after the first completed.
    expect(rec.kinds().slice(1, 5)).toEqual(['node.started:left', 'node.completed:left', 'node.started:right', 'node.completed:right']);
  });
});

describe('runPipeline: cancellation', () => {
  it('cancels mid-run: running nodes see their signal abort, later nodes stay pending', async () => {
    const probe = new Probe();
    const doc = pipeline(
      [
        { id: 'slow', type: 'wait', config: { ms: 5_000 } },
        { id: 'after', type: 'wait' },
      ],
      ['slow.value -> after.value'],
    );
    const controller = new AbortController();
    const rec = recorder();
    const running = runPipeline(doc, {}, { nodeTypes: testNodeTypes(probe), signal: controller.signal, onEvent: rec.onEvent });
    setTimeout(() => controller.abort(), 20);
    const result = await running;
    expect(result.status).toBe('cancelled');
    expect(result.nodes.slow.status).toBe('cancelled');
    expect(result.nodes.after.status).toBe('pending');
    expect(probe.aborted.has('slow')).toBe(true);
    const last = rec.events.at(-1) as Extract<RunEvent, { type: 'run.failed' }>;
    expect(last).toMatchObject({ type: 'run.failed', cancelled: true });
    expect(rec.kinds()).toEqual(['run.started', 'node.started:slow', 'run.failed']);
  });

  it('a run whose signal is already aborted is cancelled before any node starts', async () => {
    const result = await runPipeline(twoBranches, {}, { nodeTypes: testNodeTypes(), signal: AbortSignal.abort() });
    expect(result.status).toBe('cancelled');
    expect(result.nodes.left.status).toBe('pending');
  });
});

describe('runPipeline: failure', () => {
  it('fails the run naming the node, and cancels the sibling branch still running', async () => {
    const probe = new Probe();
    const doc = pipeline(
      [
        { id: 'broken', type: 'wait', config: { ms: 10, fail: 'upstream said no' } },
        { id: 'sibling', type: 'wait', config: { ms: 5_000 } },
        { id: 'next', type: 'wait' },
      ],
      ['sibling.value -> next.value'],
    );
    const rec = recorder();
    const result = await runPipeline(doc, {}, { nodeTypes: testNodeTypes(probe), onEvent: rec.onEvent });
    expect(result.status).toBe('failed');
    expect(result.error).toBe('node "broken" failed: upstream said no');
    expect(result.failedNode).toBe('broken');
    expect(result.nodes.broken).toMatchObject({ status: 'failed', error: 'upstream said no', attempts: 1 });
    expect(result.nodes.sibling.status).toBe('cancelled');
    expect(result.nodes.next.status).toBe('pending');
    expect(probe.aborted.has('sibling')).toBe(true);
    expect(rec.kinds().slice(-2)).toEqual(['node.failed:broken', 'run.failed']);
    expect(rec.events.at(-1)).toMatchObject({ type: 'run.failed', nodeId: 'broken', error: 'node "broken" failed: upstream said no' });
  });
});

describe('runPipeline: failure messages are bounded', () => {
  // A body can throw any message it likes (a code node's 5 MB string): the trace, the events, the run's error and
  // each map item's error keep its start and say how much was cut, instead of storing and streaming all of it.
  const huge = "throw new Error('x'.repeat(5000000) + ' the end')";
  it('cuts a node failure message long past a readable line', async () => {
    const sandbox = createSandbox();
    const doc = pipeline(
      [
        { id: 'x', type: 'input', config: { name: 'x', valueType: 'json' } },
        { id: 'boom', type: 'code', config: { code: huge } },
      ],
      ['x.value -> boom.value'],
    );
    const rec = recorder();
    const result = await runPipeline(doc, { x: 1 }, { services: { sandbox }, onEvent: rec.onEvent });
    await sandbox.close();
    expect(result.status).toBe('failed');
    const error = result.nodes.boom.error!;
    expect(error.length).toBeLessThan(2_100);
    expect(error).toMatch(/^code failed: x{100}.*… \(\d+ more characters\)$/s);
    expect(result.error!.length).toBeLessThan(2_200);
    expect(JSON.stringify(rec.events).length).toBeLessThan(20_000);
  });

  it("cuts each map item's error too", async () => {
    const sandbox = createSandbox();
    const doc = pipeline(
      [
        { id: 'list', type: 'input', config: { name: 'list', valueType: 'json' } },
        { id: 'each', type: 'map', config: { expression: huge, language: 'code', onError: 'collect' } },
      ],
      ['list.value -> each.items'],
    );
    const result = await runPipeline(doc, { list: [1, 2, 3] }, { services: { sandbox } });
    await sandbox.close();
    expect(result.status).toBe('succeeded');
    for (const item of result.nodes.each.items!) expect(item.error!.length).toBeLessThan(2_100);
    expect(JSON.stringify(result.nodes.each.outputs).length).toBeLessThan(10_000);
  });
});

describe('runPipeline: timeouts and retries', () => {
  it('fails a node that runs past its timeoutMs, aborting its signal', async () => {
    const probe = new Probe();
    const doc = pipeline([{ id: 'slow', type: 'wait', config: { ms: 5_000 }, timeoutMs: 30 }]);
    const result = await runPipeline(doc, {}, { nodeTypes: testNodeTypes(probe) });
    expect(result.status).toBe('failed');
    expect(result.nodes.slow.error).toBe('node "slow" timed out after 30 ms');
    expect(result.error).toContain('node "slow" timed out after 30 ms');
    expect(probe.aborted.has('slow')).toBe(true);
  });

  it('times out a node even when it ignores its signal', async () => {
    // The node would go on for 10 minutes: a run that waited for it would not end before the test's own timeout.
    // (A 2 s node and "ended within 1.5 s" told the two apart by the clock, which a loaded machine can stall.)
    const doc = pipeline([{ id: 'stubborn', type: 'wait', config: { ms: 600_000, ignoreSignal: true }, timeoutMs: 30 }]);
    const result = await runPipeline(doc, {}, { nodeTypes: testNodeTypes() });
    expect(result.nodes.stubborn.error).toBe('node "stubborn" timed out after 30 ms');
  });

  it("stops a code node that holds the thread at the node's timeoutMs, not the code's own longer limit", async () => {
    // The node hands its deadline to the sandbox, and the engine's timer ends the worker: whichever comes first.
    const doc = pipeline([{ id: 'spin', type: 'code', config: { code: 'while (true) {}', timeoutMs: 10_000 }, timeoutMs: 100, retries: 1 }]);
    const result = await runPipeline(doc, {}, { services: { sandbox: createSandbox() }, skipValidation: true });
    expect(result.status).toBe('failed');
    expect(result.nodes.spin.attempts).toBe(2);
    // On a busy machine the second attempt may still wait for the first one's worker: then it says so.
    const [, ms] = /^(?:code|node "spin") timed out after (\d+) ms(?: waiting for a sandbox worker \(all \d+ busy\); its work never started)?$/.exec(result.nodes.spin.error ?? '') ?? [];
    expect(Number(ms)).toBeGreaterThan(0);
    expect(Number(ms)).toBeLessThanOrEqual(100);
  });

  it('retries a failing node; success on the 2nd attempt succeeds the run', async () => {
    const rec = recorder();
    const doc = pipeline(
      [
        { id: 'flaky', type: 'wait', config: { failTimes: 1 }, retries: 2 },
        { id: 'out', type: 'output', config: { name: 'attempt' } },
      ],
      ['flaky.value -> out.value'],
    );
    const result = await runPipeline(doc, {}, { nodeTypes: testNodeTypes(), onEvent: rec.onEvent });
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ attempt: 2 });
    expect(result.nodes.flaky).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(result.nodes.flaky.error).toBeUndefined();
    const starts = rec.events.filter((e) => e.type === 'node.started' && e.nodeId === 'flaky');
    expect(starts.map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2]);
    // No node.failed for an attempt that is retried.
    expect(rec.kinds()).not.toContain('node.failed:flaky');
  });

  it('fails after the last retry, with every attempt counted', async () => {
    const doc = pipeline([{ id: 'flaky', type: 'wait', config: { failTimes: 5 }, retries: 2 }]);
    const result = await runPipeline(doc, {}, { nodeTypes: testNodeTypes() });
    expect(result.status).toBe('failed');
    expect(result.nodes.flaky).toMatchObject({ status: 'failed', attempts: 3, error: 'flaky failure on attempt 3' });
  });

  it('retries a timed-out attempt with a fresh time limit', async () => {
    const probe = new Probe();
    // Attempt 1 waits 5 s and times out; attempt 2 must not inherit the aborted signal.
    const doc = pipeline([{ id: 'slow', type: 'wait', config: { ms: 0, failTimes: 0 }, timeoutMs: 40, retries: 1 }]);
    const types = testNodeTypes(probe);
    const wait = types.wait;
    let calls = 0;
    types.wait = { ...wait, run: (inputs, config, ctx) => (++calls === 1 ? wait.run(inputs, { ...config, ms: 5_000 }, ctx) : wait.run(inputs, config, ctx)) };
    const result = await runPipeline(doc, {}, { nodeTypes: types });
    expect(result.status).toBe('succeeded');
    expect(result.nodes.slow.attempts).toBe(2);
  });

  it('backs off briefly and increasingly between attempts', () => {
    expect(retryBackoffMs(1)).toBeLessThanOrEqual(100);
    expect(retryBackoffMs(2)).toBeGreaterThan(retryBackoffMs(1));
    expect(retryBackoffMs(20)).toBeLessThanOrEqual(2_000);
  });
});
