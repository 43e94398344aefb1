import type { SqliteDatabase } from './db';

/** A suite as the API takes it for an eval: scorers, repeat, concurrency, seed, gate (no dataset). */
export type StoredSuiteBody = Record<string, unknown>;

export interface StoredSuite {
  name: string;
  suite: StoredSuiteBody;
  savedAt: string;
}

export interface SuiteStore {
  /** Every saved suite, by name. */
  list(): Promise<StoredSuite[]>;
  get(name: string): Promise<StoredSuite | undefined>;
  /** Saves (or replaces) the suite under `name`; `created` says whether the name was new. */
  save(name: string, suite: StoredSuiteBody): Promise<{ suite: StoredSuite; created: boolean }>;
}

interface Row {
  name: string;
  suite: string;
  saved_at: number;
}

const toSuite = (r: Row): StoredSuite => ({ name: r.name, suite: JSON.parse(r.suite) as StoredSuiteBody, savedAt: new Date(r.saved_at).toISOString() });

export class SqliteSuiteStore implements SuiteStore {
  private readonly stmts;

  constructor(db: SqliteDatabase) {
    this.stmts = {
      list: db.prepare<[], Row>('SELECT name, suite, saved_at FROM suites ORDER BY name'),
      get: db.prepare<[string], Row>('SELECT name, suite, saved_at FROM suites WHERE name = ?'),
      upsert: db.prepare('INSERT INTO suites (name, suite, saved_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET suite = excluded.suite, saved_at = excluded.saved_at'),
    };
  }

  async list(): Promise<StoredSuite[]> {
    return this.stmts.list.all().map(toSuite);
  }

  async get(name: string): Promise<StoredSuite | undefined> {
    const row = this.stmts.get.get(name);
    return row && toSuite(row);
  }

  async save(name: string, suite: StoredSuiteBody): Promise<{ suite: StoredSuite; created: boolean }> {
    const created = !this.stmts.get.get(name);
    const savedAt = Date.now();
    this.stmts.upsert.run(name, JSON.stringify(suite), savedAt);
    return { suite: { name, suite, savedAt: new Date(savedAt).toISOString() }, created };
  }
}
