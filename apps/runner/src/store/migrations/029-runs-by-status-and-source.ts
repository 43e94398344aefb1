import type { Migration } from './migration';

/**
 * GET /api/runs?status= (no pipeline) and the Runs view's source filter (?pipeline=&source=) walked the
 * runs newest first for the few that matched: all of them when none did (on 300,000 runs of 2 KB, ~0.6 s
 * and ~0.2 s, with SQLite blocking the runner meanwhile). (status, started_at) takes the place of the
 * partial index of running runs, which it covers for interruptOrphans' look.
 */
export const runsByStatusAndSource: Migration = {
  id: '029-runs-by-status-and-source',
  up(db) {
    db.exec(`
      DROP INDEX runs_status;
      CREATE INDEX runs_status_started ON runs(status, started_at DESC);
      CREATE INDEX runs_pipeline_source_started ON runs(pipeline, source, started_at DESC);
    `);
  },
};
