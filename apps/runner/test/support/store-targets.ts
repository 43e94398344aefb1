import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { openResponseCache, type ResponseCache } from '@patchbay/core/node';
import { openSqliteStore, openStore, type OpenStoreOptions, type Store } from '../../src/store/index';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../../../test/support/postgres';

export interface StoreTarget {
  name: 'sqlite' | 'postgres';
  /** A store on a new, empty database. */
  open(options?: OpenStoreOptions): Promise<Store>;
  /** A second store on the same database (another connection or pool, as a second process would have). */
  twin(store: Store): Promise<Store>;
  /** The response cache that goes with the store: the data dir's cache.sqlite, or the store's own. */
  cache(store: Store, options?: OpenStoreOptions): ResponseCache;
  /** The rows one SQL statement (the same text on both databases) gives on the store's database: what is stored, as stored. */
  rows(store: Store, statement: string): Promise<Record<string, unknown>[]>;
}

/**
 * The databases the store contract runs against: a SQLite data dir in a temp
 * dir, and a real PostgreSQL 15 started once for the test file (a new
 * database per store). Everything opened is closed after each test.
 */
export function storeTargets(): StoreTarget[] {
  let server: Promise<PostgresServer> | undefined;
  const opened: Array<{ close(): unknown }> = [];
  const dirs: string[] = [];
  const reopen = new WeakMap<Store, () => Promise<Store>>();
  const urls = new WeakMap<Store, string>();
  const track = <T extends { close(): unknown }>(x: T) => (opened.push(x), x);

  afterEach(async () => {
    for (const x of opened.splice(0).reverse()) await x.close();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => (await server)?.stop());

  const sqlite: StoreTarget = {
    name: 'sqlite',
    async open(options) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-contract-'));
      dirs.push(dir);
      const open = async () => track(openSqliteStore(dir, options));
      const store = await open();
      reopen.set(store, open);
      return store;
    },
    twin: async (store) => {
      const again = await reopen.get(store)!();
      reopen.set(again, reopen.get(store)!);
      return again;
    },
    cache: (store, options) => track(openResponseCache(path.dirname((store as Store & { file: string }).file), options)),
    rows: async (store, statement) => (store as Store & { db: { prepare(s: string): { all(): Record<string, unknown>[] } } }).db.prepare(statement).all(),
  };
  const postgres: StoreTarget = {
    name: 'postgres',
    async open(options) {
      server ??= startPostgres();
      const url = await (await server).createDatabase();
      const open = async () => {
        const store = track(await openStore(url, options));
        urls.set(store, url);
        return store;
      };
      const store = await open();
      reopen.set(store, open);
      return store;
    },
    twin: sqlite.twin,
    cache: (store) => store.responseCache!,
    async rows(store, statement) {
      const client = new pg.Client({ connectionString: urls.get(store)! });
      await client.connect();
      try {
        return (await client.query(statement)).rows;
      } finally {
        await client.end();
      }
    },
  };
  return [sqlite, postgres];
}
