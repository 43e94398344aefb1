import { sql } from 'kysely';
import type { PostgresMigration } from './migration';

/** As SQLite's 023-artifact-release: when no name points at an artifact any more. */
export const artifactRelease: PostgresMigration = {
  id: '004-artifact-release',
  async up(db) {
    await sql`ALTER TABLE artifacts ADD COLUMN released_at BIGINT`.execute(db);
    await sql`UPDATE artifacts SET released_at = ${Date.now()} WHERE NOT EXISTS (SELECT 1 FROM artifact_names n WHERE n.hash = artifacts.hash)`.execute(db);
  },
};
