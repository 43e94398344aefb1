import { sql } from 'kysely';
import type { PostgresMigration } from './migration';

/** As SQLite's 024-promotion-owner: the process running a promotion. */
export const promotionOwner: PostgresMigration = {
  id: '005-promotion-owner',
  async up(db) {
    await sql`ALTER TABLE promotions ADD COLUMN owner TEXT`.execute(db);
  },
};
