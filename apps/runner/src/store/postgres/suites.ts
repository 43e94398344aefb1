import { sql, type Kysely } from 'kysely';
import type { StoredSuite, StoredSuiteBody, SuiteStore } from '../suites';
import type { Database } from './schema';

const toSuite = (r: Database['suites']): StoredSuite => ({ name: r.name, suite: JSON.parse(r.suite) as StoredSuiteBody, savedAt: new Date(r.saved_at).toISOString() });

export class PostgresSuiteStore implements SuiteStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list() {
    return (await this.db.selectFrom('suites').selectAll().orderBy('name').execute()).map(toSuite);
  }

  async get(name: string) {
    const row = await this.db.selectFrom('suites').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toSuite(row);
  }

  async save(name: string, suite: StoredSuiteBody) {
    const savedAt = Date.now();
    // xmax = 0 only on a row this statement inserted: the name was new.
    const row = await this.db
      .insertInto('suites')
      .values({ name, suite: JSON.stringify(suite), saved_at: savedAt })
      .onConflict((oc) => oc.column('name').doUpdateSet({ suite: JSON.stringify(suite), saved_at: savedAt }))
      .returning(sql<boolean>`(xmax = 0)`.as('created'))
      .executeTakeFirstOrThrow();
    return { suite: { name, suite, savedAt: new Date(savedAt).toISOString() }, created: row.created };
  }
}
