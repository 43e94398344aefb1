import { sql } from 'kysely';
import type { PostgresMigration } from './migration';

/** As SQLite's 022-artifacts: immutable artifacts by content hash (BYTEA) and the names pointing at them. */
export const artifacts: PostgresMigration = {
  id: '003-artifacts',
  async up(db) {
    await sql`
      CREATE TABLE artifacts (
        hash TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        size BIGINT NOT NULL,
        bytes BYTEA NOT NULL,
        created_at BIGINT NOT NULL
      )
    `.execute(db);
    await sql`
      CREATE TABLE artifact_names (
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        hash TEXT NOT NULL REFERENCES artifacts(hash),
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (kind, name)
      )
    `.execute(db);
  },
};
