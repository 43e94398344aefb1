import { forUpdate, lockKey, type StoreDb } from './dialect';

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

const toSuite = (r: { name: string; suite: string; saved_at: number }): StoredSuite => ({ name: r.name, suite: JSON.parse(r.suite) as StoredSuiteBody, savedAt: new Date(r.saved_at).toISOString() });

export class KyselySuiteStore implements SuiteStore {
  constructor(private readonly db: StoreDb) {}

  async list(): Promise<StoredSuite[]> {
    return (await this.db.selectFrom('suites').selectAll().orderBy('name').execute()).map(toSuite);
  }

  async get(name: string): Promise<StoredSuite | undefined> {
    const row = await this.db.selectFrom('suites').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toSuite(row);
  }

  async save(name: string, suite: StoredSuiteBody): Promise<{ suite: StoredSuite; created: boolean }> {
    const savedAt = Date.now();
    const json = JSON.stringify(suite);
    // Whether the name was new is read in the transaction that writes it, the name locked, so two first saves do not both say "created".
    const created = await this.db.transaction().execute(async (tx) => {
      await lockKey(tx, `suite:${name}`);
      const before = await forUpdate(tx, tx.selectFrom('suites').select('name').where('name', '=', name)).executeTakeFirst();
      await tx.insertInto('suites').values({ name, suite: json, saved_at: savedAt }).onConflict((oc) => oc.column('name').doUpdateSet({ suite: json, saved_at: savedAt })).execute();
      return !before;
    });
    return { suite: { name, suite, savedAt: new Date(savedAt).toISOString() }, created };
  }
}
