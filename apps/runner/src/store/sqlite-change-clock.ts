import type Database from 'better-sqlite3';
import type { ChangeClock } from './read-cache';

/**
 * When rows of some tables of one SQLite file may have changed (read-cache.ts):
 * - this connection's writes to them: sqlite-kysely.ts tells the clock of every
 *   write statement whose text names one of `tables` (a pipeline's delete
 *   cascades to its versions and labels, so `pipelines` is one of them), before
 *   it commits, so a read that started before the write is not kept;
 * - any other connection's change to them, in this process or another (`patchbay
 *   promote` moving a label under a running runner): SQLite's `data_version`
 *   says another connection committed, and then the `served_changes` counter,
 *   which triggers on those tables move (migration 026), says whether that
 *   commit touched them. Runs written by another process leave it still.
 * A read costs an integer compare and a `PRAGMA data_version`; the counter is
 * read only after another connection's commit.
 */
export class SqliteChangeClock implements ChangeClock {
  private readonly dataVersion: Database.Statement;
  private readonly changes: Database.Statement;
  private readonly pattern: RegExp;
  private lastDataVersion = -1;
  private lastChanges = -1;
  private epoch = 0;

  constructor(db: Database.Database, tables: readonly string[]) {
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
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
    const version = this.dataVersion.get() as number;
    if (version !== this.lastDataVersion) {
      this.lastDataVersion = version;
      const count = this.changes.get() as number;
      if (count !== this.lastChanges) {
        this.lastChanges = count;
        this.epoch++;
      }
    }
    return this.epoch;
  }
}
