import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres';
import { openStore, type Store } from '../src/store/index';
import { MINUTE, RollupWriter } from '../src/monitoring/rollup-writer';
import { decodeSketch } from '../src/monitoring/latency-sketch';
import type { FinishedRunFacts } from '../src/monitoring/run-facts';

// Finished runs are added up in memory and merged into the store about once a second. A merge that failed
// because PostgreSQL was away for a moment (a restart, a failover) dropped those cells: the runs of that second
// were never in /api/metrics (seen by hand: 332 runs counted of 334 after a 4 s PostgreSQL restart under load,
// the log saying "could not write metric rollups: connect ECONNREFUSED …"). They are now kept and merged with
// the next flush once the store answers, each run counted once, its latency in the sketch once.
let server: PostgresServer;
let store: Store;
const errors: string[] = [];
beforeAll(async () => {
  server = await startPostgres();
  store = await openStore(await server.createDatabase());
}, 120_000);
afterAll(async () => {
  await store?.close();
  await server?.stop();
});

const minute = Date.UTC(2026, 10, 1, 8, 0, 0);
const run = (i: number): FinishedRunFacts => ({
  id: `r${i}`,
  pipeline: 'shop',
  version: 1,
  label: 'production',
  source: 'serve',
  status: 'succeeded',
  startedAt: minute + i,
  durationMs: 100 + i,
  error: null,
  inputs: {},
  outputs: null,
  document: null,
  nodes: { answer: { id: 'answer', type: 'llm', status: 'succeeded', attempts: 1, startedAt: minute + i, durationMs: 99, model: 'stub:m', usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 } } },
});

const runCell = async () => {
  const [cell] = await store.rollups.query({ resolution: MINUTE, pipeline: 'shop', dimension: 'run', from: minute, to: minute + MINUTE });
  return cell;
};

describe('metric rollups while PostgreSQL is away', () => {
  it('keeps the runs of a merge that failed and merges them once the store answers, each once', async () => {
    const writer = new RollupWriter(store.rollups, (err) => errors.push(err.message), 3_600_000);
    for (let i = 0; i < 3; i++) writer.observe(run(i));
    await writer.flush();
    expect((await runCell()).runs).toBe(3);

    for (let i = 3; i < 8; i++) writer.observe(run(i));
    await server.kill();
    try {
      await writer.flush();
    } finally {
      await server.restart();
    }
    expect(errors.length).toBeGreaterThan(0);
    for (let i = 8; i < 10; i++) writer.observe(run(i));
    // The pool finds its connections dead and makes new ones: a flush may meet the store still away once more.
    await expect
      .poll(async () => {
        await writer.flush();
        return (await runCell()).runs;
      }, { timeout: 30_000, interval: 500 })
      .toBe(10);
    const cell = await runCell();
    expect(cell.tokensIn).toBe(100);
    // Each run's latency is in the sketch once: none of the stored sketch merged into it again by the failed try.
    expect(decodeSketch(cell.sketch).count).toBe(10);
    const [node] = await store.rollups.query({ resolution: MINUTE, pipeline: 'shop', dimension: 'node', from: minute, to: minute + MINUTE });
    expect(node.runs).toBe(10);
    await writer.close();
  }, 90_000);
});
