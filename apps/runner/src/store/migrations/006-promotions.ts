import type { Migration } from './migration';

/** Promotions started over HTTP: what was asked, and the outcome once it ends (JSON). */
export const promotions: Migration = {
  id: '006-promotions',
  up(db) {
    db.exec(`
      CREATE TABLE promotions (
        id TEXT PRIMARY KEY,
        pipeline TEXT NOT NULL,
        label TEXT NOT NULL,
        version INTEGER NOT NULL,
        status TEXT NOT NULL,
        outcome TEXT,
        events TEXT,           -- every event it published, for a replay once it ended
        created_at INTEGER NOT NULL,
        finished_at INTEGER
      );
      CREATE INDEX promotions_pipeline ON promotions(pipeline, created_at DESC);
    `);
  },
};
