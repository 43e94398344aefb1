import { sql } from 'kysely';
import type { PostgresMigration } from './migration';

/** As SQLite's 021-run-values: a run's large values, stored once (see store/run-values.ts). */
export const runValues: PostgresMigration = {
  id: '002-run-values',
  async up(db) {
    await sql`
      CREATE TABLE run_values (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        hash TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, hash)
      )
    `.execute(db);
  },
};
