import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { allSseEvents, startTestRunner, waitForRun } from './support/test-runner';

const MB = 1_000_000;

/** input n → transform (a string of n characters) → output: one node output of n bytes, passed on twice. */
const padPipeline = {
  format: 'patchbay.pipeline/v1',
  name: 'pad',
  nodes: [
    { id: 'n', type: 'input', config: { name: 'n', valueType: 'number' } },
    { id: 'gen', type: 'transform', config: { expression: '$pad("", $, "x")' } },
    { id: 'out', type: 'output', config: { name: 'text' } },
  ],
  edges: [
    { from: 'n.value', to: 'gen.value' },
    { from: 'gen.value', to: 'out.value' },
  ],
};

/** Runs `pad` with `n` on a fresh runner, checks what clients read back, and returns the size of the database once closed (the WAL checkpointed into it). */
async function databaseBytesAfterRun(n: number): Promise<number> {
  const runner = await startTestRunner();
  try {
    expect((await runner.post('/api/pipelines', padPipeline)).status).toBe(201);
    const { id } = await (await runner.post('/api/runs', { pipeline: 'pad', inputs: { n } })).json();
    const run = await waitForRun(runner, id, 30_000);
    expect(run.status).toBe('succeeded');
    const text = 'x'.repeat(n);
    // Every place the value was given before is given still: the run's outputs, the producing node's outputs, the next node's inputs.
    expect(run.outputs.text).toBe(text);
    expect(run.nodes.gen.outputs.value).toBe(text);
    expect(run.nodes.out.inputs.value).toBe(text);
    const events = await allSseEvents(await runner.api(`/api/runs/${id}/events`));
    const completed = events.map((e) => JSON.parse(e.data)).find((e) => e.type === 'run.completed');
    expect(completed.outputs.text).toBe(text);
    const genDone = events.map((e) => JSON.parse(e.data)).find((e) => e.type === 'node.completed' && e.nodeId === 'gen');
    expect(genDone.trace.outputs.value).toBe(text);
    await runner.server.close();
    return ['runner.sqlite', 'runner.sqlite-wal'].reduce((sum, f) => sum + (fs.existsSync(path.join(runner.dataDir, f)) ? fs.statSync(path.join(runner.dataDir, f)).size : 0), 0);
  } finally {
    fs.rmSync(runner.dataDir, { recursive: true, force: true });
  }
}

it('a node output of N MB grows the database by about N MB, not a copy per place it passes', async () => {
  const small = await databaseBytesAfterRun(10);
  const big = await databaseBytesAfterRun(4 * MB);
  const growth = big - small;
  // Stored once: 4 MB and some pages; stored at each place (node output, next node's input and output, run outputs, run.completed) it was 20 MB.
  expect(growth).toBeGreaterThan(4 * MB);
  expect(growth).toBeLessThan(4.5 * MB);
}, 60_000);
