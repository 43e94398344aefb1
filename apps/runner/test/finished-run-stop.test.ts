import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { FinishedRunPublisher, finishedRunsKey } from '../src/monitoring/finished-run-feed';
import type { FinishedRunFacts } from '../src/monitoring/run-facts';
import { openStore } from '../src/store/index';
import type { RunStart } from '../src/store/runs';
import { scaleServices } from './support/scale-services';

const start = (id: string): RunStart => ({ id, pipeline: 'qa', version: 1, document: null, inputs: {}, startedAt: Date.now(), owner: 'test:1' });
const facts = (id: string): FinishedRunFacts => ({
  id,
  pipeline: 'qa',
  version: 1,
  label: null,
  source: 'api',
  status: 'succeeded',
  startedAt: Date.now(),
  durationMs: 5,
  error: null,
  nodes: {},
  inputs: {},
  outputs: {},
  document: null,
});

/** Until a statement of this database waits on a lock (10 s at most: a guard against a hang, not a bound). */
async function untilAWriteWaits(watch: pg.Client): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await watch.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
    if (rows.length > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no write waited on the lock within 10 s');
}

// A worker names a finished run to monitoring once the store has committed what it queued. A stop cut
// short (the grace over) said how many runs Redis had not taken, but not those still waiting for the
// store: a run committed while another write hung was handed to no server, and the stop said nothing.
describe("a worker's stop cut short while a finished run waits for the store", () => {
  const services = scaleServices();

  it('counts that run among those it did not hand over', async () => {
    const store = await openStore(services.store);
    const client = new Redis(services.redis.url, { maxRetriesPerRequest: 1 });
    const holder = new pg.Client({ connectionString: services.store });
    await holder.connect();
    const lines: string[] = [];
    try {
      await store.runs.begin(start('done'));
      await store.runs.finish({ id: 'done', status: 'succeeded', outputs: {}, error: null, failedNode: null, durationMs: 5, nodes: {}, events: [] });
      // Another process holds the runs table: the next write waits, and so does every flush behind it.
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE runs IN ACCESS EXCLUSIVE MODE');
      const waiting = store.runs.begin(start('other'));
      const publisher = new FinishedRunPublisher(client, 'patchbay', () => store.runs.flush(), (line) => lines.push(line));
      publisher.publish(facts('done'));
      await untilAWriteWaits(holder);
      expect((await holder.query(`SELECT status FROM runs WHERE id = 'done'`)).rows).toEqual([{ status: 'succeeded' }]);
      // The worker's stop: close waits for that run, the grace runs out, the stop is cut short.
      const closing = publisher.close();
      publisher.abandon();
      expect(lines.join('\n')).toMatch(/stopped before handing every finished run to monitoring: 1 run\(s\) finished but still waiting for the store were not handed over/);
      await holder.query('ROLLBACK');
      await waiting;
      await closing;
      // What it said holds: the run was not named afterwards either.
      expect(await client.xlen(finishedRunsKey('patchbay'))).toBe(0);
      expect(lines.filter((line) => line.startsWith('stopped before'))).toHaveLength(1);
    } finally {
      await holder.end();
      client.disconnect();
      await store.close();
    }
  }, 60_000);
});
