import type { Migration } from './migration';

/** Eval suites saved by name from the editor (a suite without its dataset: scorers, repeat, gate…). */
export const suites: Migration = {
  id: '020-suites',
  up(db) {
    db.exec(`
      CREATE TABLE suites (
        name TEXT PRIMARY KEY,
        suite TEXT NOT NULL,
        saved_at INTEGER NOT NULL
      );
    `);
  },
};
