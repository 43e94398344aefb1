import type { Migration } from './migration';

/** The tables whose rows serving reads on every request (a label, a version) and caches until they change. */
export const SERVED_TABLES = ['pipelines', 'versions', 'labels'] as const;

/**
 * A counter that every change to a served table moves, kept by triggers, so
 * that the served-lookup cache (sqlite-change-clock.ts) is dropped on a change
 * by any connection in any process (`patchbay promote` under a running runner),
 * and only then. SQLite's `data_version` moves on every other connection's
 * commit: alone, it dropped the cache whenever a CLI run, an eval or another
 * runner on the same file wrote a run.
 */
export const servedChanges: Migration = {
  id: '026-served-changes',
  up(db) {
    db.exec('CREATE TABLE served_changes (id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL)');
    db.exec('INSERT INTO served_changes (id, count) VALUES (1, 0)');
    for (const table of SERVED_TABLES) {
      for (const change of ['INSERT', 'UPDATE', 'DELETE']) {
        db.exec(`CREATE TRIGGER ${table}_${change.toLowerCase()}_served AFTER ${change} ON ${table} BEGIN UPDATE served_changes SET count = count + 1; END`);
      }
    }
  },
};
