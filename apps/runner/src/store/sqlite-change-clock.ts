import type Database from 'better-sqlite3';
import type { ChangeClock } from './read-cache';

/**
 * When rows of some tables of one SQLite file may have changed (read-cache.ts):
 * - this connection's writes to them: sqlite-kysely.ts tells the clock of every
 *   write statement whose text names one of `tables` (a pipeline's delete
 *   cascades to its versions and labels, so `pipelines` is one of them), before
 *   it commits, so a read that started before the write is not kept;
 * - any change to them, by any connection in this process or another (`patchbay
 *   promote` moving a label under a running runner): the `served_changes`
 *   counter, which triggers on those tables move (migration 026). Commits to
 *   other tables (the runs, written on their own connection) leave it still.
 * Each costs one single-row read per lookup, not the lookup's queries.
 */
export class SqliteChangeClock implements ChangeClock {
  private readonly changes: Database.Statement;
  private readonly pattern: RegExp;
  private lastChanges = -1;
  private epoch = 0;

  constructor(db: Database.Database, tables: readonly string[]) {
    this.changes = db.prepare('SELECT count FROM served_changes WHERE id = 1').pluck();
    this.pattern = new RegExp(`\\b(?:${tables.join('|')})\\b`, 'i');
  }

  /** Whether a write statement may change the watched tables (asked once per statement text). */
  watches(sql: string): boolean {
    return this.pattern.test(sql);
  }

  /** A watched write ran on this connection (before its commit: a read that started before it is then not kept). */
  wrote(): void {
    this.epoch++;
  }

  now(): number {
    const count = this.changes.get() as number;
    if (count !== this.lastChanges) {
      this.lastChanges = count;
      this.epoch++;
    }
    return this.epoch;
  }
}
