import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPool } from '../src/store/postgres/pool';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres';

// The store's pool names a statement text it runs again, so PostgreSQL parses and plans it once per connection.
describe('the PostgreSQL pool prepares statements it runs again', () => {
  let server: PostgresServer;
  let url: string;

  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase();
  }, 60_000);
  afterAll(async () => server?.stop());

  /** The statements prepared on the pool's one connection, as PostgreSQL lists them. */
  const prepared = async (db: ReturnType<typeof openPool>['db']) =>
    (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(db)).rows.map((r) => r.statement);

  it('runs a repeated query as one prepared statement with new values each time, and leaves one-off texts and texts without values unnamed', async () => {
    const { db } = openPool(url, { max: 1 });
    try {
      await sql`CREATE TABLE items (id int PRIMARY KEY, label text)`.execute(db);
      for (let i = 1; i <= 5; i++) await db.insertInto('items' as never).values({ id: i, label: `item ${i}` } as never).execute();
      const labels: string[] = [];
      for (let i = 1; i <= 5; i++) {
        const row = await sql<{ label: string }>`SELECT label FROM items WHERE id = ${i}`.execute(db);
        labels.push(row.rows[0].label);
      }
      // Each run read its own value, not the first one's: the values are bound anew.
      expect(labels).toEqual(['item 1', 'item 2', 'item 3', 'item 4', 'item 5']);
      await sql`SELECT label FROM items WHERE label = ${'once'}`.execute(db);
      await sql`SELECT count(*) FROM items`.execute(db);
      await sql`SELECT count(*) FROM items`.execute(db);
      const statements = await prepared(db);
      expect(statements.filter((s) => s.includes('WHERE id = $1'))).toHaveLength(1);
      expect(statements.filter((s) => s.startsWith('insert into "items"'))).toHaveLength(1);
      expect(statements.some((s) => s.includes("label = $1"))).toBe(false);
      expect(statements.some((s) => s.includes('count(*)'))).toBe(false);
    } finally {
      await db.destroy();
    }
  });

  it('prepares the statement again on a new connection, and a failing run of it fails alone', async () => {
    const first = openPool(url, { max: 1 });
    try {
      for (let i = 1; i <= 2; i++) await sql`SELECT label FROM items WHERE id = ${i}`.execute(first.db);
    } finally {
      await first.db.destroy();
    }
    const { db } = openPool(url, { max: 1 });
    try {
      // The name is known to this process but not to the new connection: it is prepared there on first use.
      const row = await sql<{ label: string }>`SELECT label FROM items WHERE id = ${3}`.execute(db);
      expect(row.rows[0].label).toBe('item 3');
      await expect(sql`SELECT label FROM items WHERE id = ${'not a number'}`.execute(db)).rejects.toThrow(/invalid input syntax for type integer/);
      const again = await sql<{ label: string }>`SELECT label FROM items WHERE id = ${4}`.execute(db);
      expect(again.rows[0].label).toBe('item 4');
    } finally {
      await db.destroy();
    }
  });
});
