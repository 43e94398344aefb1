import { sql } from 'kysely';
import type { PostgresMigration } from './migration';

/** As SQLite's 029-runs-by-status-and-source: runs of one status, and a pipeline's runs of one source, found without reading the others. */
export const runsByStatusAndSource: PostgresMigration = {
  id: '009-runs-by-status-and-source',
  async up(db) {
    await sql`DROP INDEX runs_status`.execute(db);
    await sql`CREATE INDEX runs_status_started ON runs(status, started_at DESC)`.execute(db);
    await sql`CREATE INDEX runs_pipeline_source_started ON runs(pipeline, source, started_at DESC)`.execute(db);
  },
};
