import type { Migration } from './migration';

/** Large values a run repeats (a node's output, the next node's input, the run's output), stored once per run: see store/run-values.ts. */
export const runValues: Migration = {
  id: '021-run-values',
  up(db) {
    db.exec(`
      CREATE TABLE run_values (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        hash TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, hash)
      );
    `);
  },
};
