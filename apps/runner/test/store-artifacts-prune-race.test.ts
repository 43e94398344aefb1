import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_RETAIN_MS } from '../src/store/artifacts';
import { openStore, type Store } from '../src/store/index';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres';
import { untilWaiting } from './support/lock-waits';

// A publish and a prune in two processes on one PostgreSQL (READ COMMITTED), their statements
// interleaved on purpose: a third connection holds the name's row so the publish stops half-way.
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let server: PostgresServer;
const opened: Array<() => unknown> = [];
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => server?.stop());
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  opened.push(() => c.end());
  return c;
}

/** "old" was published as docs, then docs moved on and "old" was released over a retention time ago. */
async function releasedLongAgo(): Promise<{ url: string; publisher: Store; pruner: Store; old: Buffer; watch: pg.Client }> {
  const url = await server.createDatabase();
  const publisher = await openStore(url);
  opened.push(() => publisher.close());
  const pruner = await openStore(url);
  opened.push(() => pruner.close());
  const old = Buffer.from('the index as it was last month');
  await publisher.artifacts.publish('index', 'docs', old);
  await publisher.artifacts.publish('index', 'docs', Buffer.from('the index as it is now'));
  const watch = await client(url);
  await watch.query('UPDATE artifacts SET released_at = 1 WHERE hash = $1', [sha256(old)]);
  return { url, publisher, pruner, old, watch };
}

describe('an artifact re-published while another process prunes (PostgreSQL)', () => {
  it('keeps the artifact when the prune runs after the publish has started and before it names it', async () => {
    const { url, publisher, pruner, old, watch } = await releasedLongAgo();
    // Hold docs' name row: the publish stops at its name update, after whatever it did to the artifact row.
    const holder = await client(url);
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM artifact_names WHERE kind = 'index' AND name = 'docs' FOR UPDATE`);
    let published = false;
    const publishing = publisher.artifacts.publish('index', 'docs', old).finally(() => (published = true));
    expect(await untilWaiting(watch, 'insert into "artifact_names"', () => published)).toBe('waiting');

    // The prune runs now: it must not delete what the publish is naming (it waits for it, or leaves it).
    let pruned = false;
    const pruning = pruner.artifacts.prune(Date.now() - ARTIFACT_RETAIN_MS).finally(() => (pruned = true));
    await untilWaiting(watch, 'delete from "artifacts"', () => pruned);
    await holder.query('ROLLBACK');
    const [result] = await Promise.all([publishing, pruning]);

    expect(result.hash).toBe(sha256(old));
    expect(await pruner.artifacts.current('index', 'docs')).toBe(sha256(old));
    expect((await pruner.artifacts.get(sha256(old)))?.equals(old)).toBe(true);
  });

  it('stores the artifact anew when the prune deleted it before the publish reached it', async () => {
    const { url, publisher, old, watch } = await releasedLongAgo();
    // The prune's delete, done and not yet committed, when the publish starts.
    const pruning = await client(url);
    await pruning.query('BEGIN');
    const deleted = await pruning.query('DELETE FROM artifacts WHERE released_at < $1 RETURNING hash', [Date.now() - ARTIFACT_RETAIN_MS]);
    expect(deleted.rows).toEqual([{ hash: sha256(old) }]);
    let published = false;
    const publishing = publisher.artifacts.publish('index', 'docs', old).finally(() => (published = true));
    expect(await untilWaiting(watch, '', () => published)).toBe('waiting');
    await pruning.query('COMMIT');

    expect(await publishing).toEqual({ hash: sha256(old), created: true });
    expect(await publisher.artifacts.current('index', 'docs')).toBe(sha256(old));
    expect((await publisher.artifacts.get(sha256(old)))?.equals(old)).toBe(true);
  });
});
