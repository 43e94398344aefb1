import type { Migration } from './migration';

/**
 * What a run of a composed pipeline records: the version each pipeline
 * reference resolved to (JSON), and for a run started from a node, the run
 * and node it started from (it is then partial).
 */
export const runComposition: Migration = {
  id: '006-run-composition',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN resolved TEXT;
      ALTER TABLE runs ADD COLUMN from_run TEXT;
      ALTER TABLE runs ADD COLUMN from_node TEXT;
    `);
  },
};
