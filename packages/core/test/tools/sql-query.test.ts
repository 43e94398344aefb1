import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkspaceConfig } from '../../src/node/config/workspace-config';
import { createSandbox } from '../../src/node/tools/sandbox';
import { createToolService, type WorkspaceToolService } from '../../src/node/tools/tool-service';

let dataDir: string;
let tools: WorkspaceToolService;
const dbPath = () => join(dataDir, 'orders.sqlite');

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'patchbay-sql-'));
  const db = new Database(dbPath());
  db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, total REAL, status TEXT)');
  const insert = db.prepare('INSERT INTO orders (customer, total, status) VALUES (?, ?, ?)');
  for (let i = 1; i <= 250; i++) insert.run(`customer-${i}`, i * 10, i % 2 ? 'shipped' : 'pending');
  db.close();
  // A real config file: the database path is relative to it.
  writeFileSync(
    join(dataDir, 'patchbay.config.json'),
    JSON.stringify({ tools: { sql: [{ name: 'orders_db', description: 'Orders of the shop', database: 'orders.sqlite' }, { name: 'gone_db', database: 'missing.sqlite' }] } }),
  );
  tools = createToolService({ dataDir, sandbox: createSandbox(), config: loadWorkspaceConfig({ dataDir }) });
});
afterAll(async () => {
  await tools.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('sql_query tools', () => {
  it('is offered under its configured name with a JSON Schema', async () => {
    expect(await tools.describe('orders_db')).toMatchObject({
      name: 'orders_db',
      description: 'Orders of the shop',
      parameters: { type: 'object', required: ['sql'] },
    });
  });

  it('runs a SELECT with positional and named parameters', async () => {
    expect(await tools.call('orders_db', { sql: 'SELECT id, customer, total FROM orders WHERE id = ?', params: [3] })).toEqual({
      columns: ['id', 'customer', 'total'],
      rows: [{ id: 3, customer: 'customer-3', total: 30 }],
      truncated: false,
    });
    const counted = await tools.call('orders_db', { sql: 'SELECT count(*) AS n FROM orders WHERE status = :status', params: { status: 'pending' } });
    expect(counted).toMatchObject({ rows: [{ n: 125 }] });
  });

  it('cuts results at the row limit and says so', async () => {
    const result = (await tools.call('orders_db', { sql: 'SELECT id FROM orders ORDER BY id' })) as { rows: unknown[]; truncated: boolean };
    expect(result.rows).toHaveLength(200);
    expect(result.truncated).toBe(true);
  });

  it('refuses anything that writes, and leaves the data alone', async () => {
    for (const sql of [
      'DELETE FROM orders',
      "INSERT INTO orders (customer) VALUES ('x') RETURNING id",
      'DROP TABLE orders',
      'PRAGMA user_version = 7',
      "ATTACH DATABASE 'other.sqlite' AS other",
    ]) {
      await expect(tools.call('orders_db', { sql })).rejects.toThrow(/tool "orders_db": (only read-only SELECT queries are allowed|bad SQL)/);
    }
    await expect(tools.call('orders_db', { sql: 'SELECT 1; DROP TABLE orders' })).rejects.toThrow(/bad SQL: .*more than one statement/);
    expect(await tools.call('orders_db', { sql: 'SELECT count(*) AS n FROM orders' })).toMatchObject({ rows: [{ n: 250 }] });
  });

  it("bounds the query process's memory: a query holding 3 x 250 MB blobs to sort them fails in one line", async () => {
    // The rows are small (lengths); what SQLite holds meanwhile is not: 1.5 GB for 3 x 400 MB before the bound.
    const blobs = 'SELECT randomblob(250000000) x UNION ALL SELECT randomblob(250000000) UNION ALL SELECT randomblob(250000000)';
    await expect(tools.call('orders_db', { sql: `SELECT length(x) FROM (${blobs} ORDER BY 1)` })).rejects.toThrow(
      /^tool "orders_db": query failed: the query needed more than 512 MB of memory and was stopped$/,
    );
    // The process is still there for the next query.
    expect(await tools.call('orders_db', { sql: 'SELECT count(*) AS n FROM orders' })).toMatchObject({ rows: [{ n: 250 }] });
  });

  it('reports bad SQL, a missing database and bad arguments in one line', async () => {
    await expect(tools.call('orders_db', { sql: 'SELECT nope FROM orders' })).rejects.toThrow('tool "orders_db": bad SQL: no such column: nope');
    await expect(tools.call('gone_db', { sql: 'SELECT 1' })).rejects.toThrow(/tool "gone_db": database file .*missing\.sqlite does not exist/);
    await expect(tools.call('orders_db', { query: 'SELECT 1' })).rejects.toThrow("tool \"orders_db\": invalid arguments: (arguments) must have required property 'sql'");
  });

  it('offers sql_query, which queries the configured database it names', async () => {
    expect(await tools.describe('sql_query')).toMatchObject({
      name: 'sql_query',
      parameters: { required: ['database', 'sql'], properties: { database: { enum: ['orders_db', 'gone_db'] } } },
    });
    expect(await tools.call('sql_query', { database: 'orders_db', sql: 'SELECT customer FROM orders WHERE id = ?', params: [7] })).toEqual({
      columns: ['customer'],
      rows: [{ customer: 'customer-7' }],
      truncated: false,
    });
    await expect(tools.call('sql_query', { database: 'orders_db', sql: 'DELETE FROM orders' })).rejects.toThrow(
      'tool "sql_query": only read-only SELECT queries are allowed',
    );
    await expect(tools.call('sql_query', { database: 'nope', sql: 'SELECT 1' })).rejects.toThrow(
      'tool "sql_query": invalid arguments: /database must be equal to one of the allowed values: orders_db, gone_db',
    );
  });

  it('offers no sql_query without databases, and leaves the name to a configured tool', async () => {
    const none = createToolService({ dataDir, sandbox: createSandbox(), config: {} });
    const own = createToolService({ dataDir, sandbox: createSandbox(), config: { tools: { sql: [{ name: 'sql_query', database: dbPath() }] } } });
    try {
      expect(await none.describe('sql_query')).toBeUndefined();
      expect((await own.describe('sql_query'))?.parameters).toMatchObject({ required: ['sql'] });
      expect(await own.call('sql_query', { sql: 'SELECT count(*) AS n FROM orders' })).toMatchObject({ rows: [{ n: 250 }] });
    } finally {
      await Promise.all([none.close(), own.close()]);
    }
  });
});
