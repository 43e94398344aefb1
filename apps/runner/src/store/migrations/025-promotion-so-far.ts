import type { Migration } from './migration';

/**
 * What a running promotion has found out (`{from, evalIds}`: the version it compares with, the evals it
 * started), stored when known: a promotion ended by a restart after its process was killed keeps them.
 */
export const promotionSoFar: Migration = {
  id: '025-promotion-so-far',
  up(db) {
    db.exec('ALTER TABLE promotions ADD COLUMN so_far TEXT');
  },
};
