import { sql } from 'kysely';
import type { PostgresMigration } from './migration';

/** As SQLite's 025-promotion-so-far: what a running promotion has found out, stored when known. */
export const promotionSoFar: PostgresMigration = {
  id: '006-promotion-so-far',
  async up(db) {
    await sql`ALTER TABLE promotions ADD COLUMN so_far TEXT`.execute(db);
  },
};
