import { sql } from 'kysely';
import type { PostgresMigration } from './migration';

/** As SQLite's 028-runs-by-status: a pipeline's runs of one status (the Runs view's filter) found without reading the others. */
export const runsByStatus: PostgresMigration = {
  id: '008-runs-by-status',
  async up(db) {
    await sql`CREATE INDEX runs_pipeline_status_started ON runs(pipeline, status, started_at DESC)`.execute(db);
  },
};
