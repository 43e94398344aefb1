import type { Kysely } from 'kysely';

/**
 * One versioned schema change on PostgreSQL, run inside the migrating
 * transaction. A SQLite migration that changes a table needs its twin here
 * (ids sort the same way: "002-…" after "001-schema").
 */
export interface PostgresMigration {
  id: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  up(db: Kysely<any>): Promise<void>;
}
