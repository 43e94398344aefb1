import { sql } from 'kysely';
import type { PostgresMigration } from './migration';

/** As SQLite's 030-runs-by-version: a pipeline's runs of one version found without reading its others. */
export const runsByVersion: PostgresMigration = {
  id: '010-runs-by-version',
  async up(db) {
    await sql`CREATE INDEX runs_pipeline_version_started ON runs(pipeline, version, started_at DESC)`.execute(db);
  },
};
