import type { Migration } from './migration';

/** Serving keys: only the SHA-256 of a key is stored; `pipelines` null means every pipeline. */
export const servingKeys: Migration = {
  id: '005-serving-keys',
  up(db) {
    db.exec(`
      CREATE TABLE serving_keys (
        name TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        pipelines TEXT,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      );
    `);
  },
};
