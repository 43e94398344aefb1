import type { Migration } from './migration';

/**
 * The process running a promotion (`host:pid:start`, as on runs and evals): a restart ends the
 * promotions a process that is gone left `running`. One left running before this column has none.
 */
export const promotionOwner: Migration = {
  id: '024-promotion-owner',
  up(db) {
    db.exec('ALTER TABLE promotions ADD COLUMN owner TEXT');
  },
};
