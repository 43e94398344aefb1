import type { Migration } from './migration';

/**
 * Labels (a named pointer per pipeline at one version) and the append-only
 * history of their moves. A label goes with its pipeline; the history has no
 * foreign key, so a deleted pipeline's deployments stay on record.
 */
export const deployments: Migration = {
  id: '004-deployments',
  up(db) {
    db.exec(`
      CREATE TABLE labels (
        pipeline TEXT NOT NULL REFERENCES pipelines(name) ON DELETE CASCADE,
        label TEXT NOT NULL,
        version INTEGER NOT NULL,
        moved_at INTEGER NOT NULL,
        PRIMARY KEY (pipeline, label)
      );

      -- Never updated or deleted: a rollback is one more row.
      CREATE TABLE deployments (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        pipeline TEXT NOT NULL,
        label TEXT NOT NULL,
        from_version INTEGER,
        to_version INTEGER,
        at INTEGER NOT NULL,
        by TEXT NOT NULL,
        note TEXT,
        eval_id TEXT,
        forced INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX deployments_pipeline ON deployments(pipeline, seq DESC);
      CREATE TRIGGER deployments_append_only_update BEFORE UPDATE ON deployments
        BEGIN SELECT RAISE(ABORT, 'the deployment history is append-only'); END;
      CREATE TRIGGER deployments_append_only_delete BEFORE DELETE ON deployments
        BEGIN SELECT RAISE(ABORT, 'the deployment history is append-only'); END;
    `);
  },
};
