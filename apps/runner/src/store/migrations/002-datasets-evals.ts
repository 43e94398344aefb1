import type { Migration } from './migration';

/**
 * Datasets (one row per content hash of a name) and eval results: a row per
 * eval with what it ran and how it ended, and a row per finished case × repeat,
 * written as each case ends so a stopped runner loses no finished case.
 */
export const datasetsAndEvals: Migration = {
  id: '002-datasets-evals',
  up(db) {
    db.exec(`
      -- 001 left room: (name, hash, created_at). A re-upload of the same content
      -- is the same version; uploaded_at says which upload was the latest.
      ALTER TABLE datasets ADD COLUMN uploaded_at INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE datasets ADD COLUMN case_count INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE datasets ADD COLUMN cases TEXT NOT NULL DEFAULT '[]';
      CREATE INDEX datasets_latest ON datasets(name, uploaded_at DESC);

      ALTER TABLE eval_results ADD COLUMN version INTEGER;
      ALTER TABLE eval_results ADD COLUMN dataset TEXT;
      ALTER TABLE eval_results ADD COLUMN dataset_hash TEXT;
      ALTER TABLE eval_results ADD COLUMN dataset_cases INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE eval_results ADD COLUMN status TEXT NOT NULL DEFAULT 'running';
      ALTER TABLE eval_results ADD COLUMN total INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE eval_results ADD COLUMN baseline TEXT;
      -- The suite as run (scorers, repeat, seed, gate) and the result head once finished (JSON).
      ALTER TABLE eval_results ADD COLUMN spec TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE eval_results ADD COLUMN head TEXT;
      ALTER TABLE eval_results ADD COLUMN error TEXT;
      ALTER TABLE eval_results ADD COLUMN finished_at INTEGER;
      ALTER TABLE eval_results ADD COLUMN owner TEXT;
      CREATE INDEX eval_results_pipeline ON eval_results(pipeline, created_at DESC);
      CREATE INDEX eval_results_running ON eval_results(status) WHERE status = 'running';

      CREATE TABLE eval_cases (
        eval_id TEXT NOT NULL REFERENCES eval_results(id) ON DELETE CASCADE,
        case_id TEXT NOT NULL,
        repeat INTEGER NOT NULL,
        position INTEGER NOT NULL,   -- the case's place in the dataset (rowid is the order cases finished in)
        status TEXT NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (eval_id, case_id, repeat)
      );
      CREATE INDEX eval_cases_order ON eval_cases(eval_id, position, repeat);
    `);
  },
};
