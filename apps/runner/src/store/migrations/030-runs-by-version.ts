import type { Migration } from './migration';

/**
 * The Runs view's version filter (?pipeline=&version=) walked the pipeline's runs newest first for the few
 * of that version: all of them for a version no run ran. (pipeline, version, started_at) finds them at once.
 */
export const runsByVersion: Migration = {
  id: '030-runs-by-version',
  up(db) {
    db.exec(`CREATE INDEX runs_pipeline_version_started ON runs(pipeline, version, started_at DESC);`);
  },
};
