import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres';
import { openStore, type Store } from '../src/store/index';

// A deployment's `at` (and its label's movedAt) is when the move took the label. On PostgreSQL a move waits for
// another server's move of the same label (its lock) before it reads and writes: stamped before that wait, the
// history listed a move older than the one before it (7 of 47 under parallel moves from two runners).
let server: PostgresServer;
let store: Store;
let url: string;
beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase();
  store = await openStore(url);
}, 120_000);
afterAll(async () => {
  await store?.close();
  await server?.stop();
});

const doc = (name: string) => ({ format: 'patchbay.pipeline/v1', name, nodes: [], edges: [] });

describe('a label move that waits for another move of the same label', () => {
  it('is stamped when it takes the label, so the history is in time order', async () => {
    await store.versions.save({ pipeline: 'p', document: doc('p'), message: 'one', baseVersion: null, contentHash: 'c1', behaviorHash: 'b', problems: [] });
    await store.versions.save({ pipeline: 'p', document: doc('p'), message: 'two', baseVersion: 1, contentHash: 'c2', behaviorHash: 'b', problems: [] });
    await store.labels.move({ pipeline: 'p', label: 'production', version: 1, by: 'admin' });

    // Another process holds the label's lock (as its own move does, in its transaction) for a while.
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query('BEGIN');
    await other.query("SELECT pg_advisory_xact_lock(hashtext('label:p/production'))");
    const waiting = store.labels.move({ pipeline: 'p', label: 'production', version: 2, by: 'admin' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const released = Date.now();
    await other.query('COMMIT');
    await other.end();
    const moved = await waiting;

    expect(Date.parse(moved.state.movedAt)).toBeGreaterThanOrEqual(released);
    const [last] = (await store.deployments.list('p', { limit: 1 })).items;
    expect(last).toMatchObject({ from: 1, to: 2 });
    expect(Date.parse(last.at)).toBeGreaterThanOrEqual(released);
  });
});
