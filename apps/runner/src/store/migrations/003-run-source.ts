import type { Migration } from './migration';

/**
 * Where a run came from (`editor`, `api`, `serve`, `openai`, `eval`, `cli`),
 * the label it was served under and the serving key's name, so runs can be
 * filtered and rolled up by them. Runs from before are `api`.
 */
export const runSource: Migration = {
  id: '003-run-source',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN source TEXT NOT NULL DEFAULT 'api';
      ALTER TABLE runs ADD COLUMN label TEXT;
      ALTER TABLE runs ADD COLUMN key_name TEXT;
      CREATE INDEX runs_source_started ON runs(source, started_at DESC);
      CREATE INDEX runs_label_started ON runs(pipeline, label, started_at DESC) WHERE label IS NOT NULL;
    `);
  },
};
