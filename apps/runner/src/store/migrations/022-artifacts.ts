import type { Migration } from './migration';

/** Immutable artifacts by content hash (retrieval indexes, workspace configs) and the names pointing at them: see store/artifacts.ts. */
export const artifacts: Migration = {
  id: '022-artifacts',
  up(db) {
    db.exec(`
      CREATE TABLE artifacts (
        hash TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        size INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE artifact_names (
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        hash TEXT NOT NULL REFERENCES artifacts(hash),
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (kind, name)
      );
    `);
  },
};
