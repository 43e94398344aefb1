import type Database from 'better-sqlite3';
import type { ChangeClock } from './read-cache';

/**
 * When rows of some tables of one SQLite file may have changed (read-cache.ts):
 * - this connection's writes to them: sqlite-kysely.ts tells the clock of every
 *   write statement whose text names one of `tables` (a pipeline's delete
 *   cascades to its versions and labels, so `pipelines` is one of them);
 * - any other connection's commit, in this process or another (`patchbay
 *   promote` moving a label under a running runner): SQLite's `data_version`
 *   moves then. It does not tell which table, so any such commit counts.
 * Each costs an integer compare per read, not a query.
 */
export class SqliteChangeClock implements ChangeClock {
  private readonly dataVersion: Database.Statement;
  private readonly pattern: RegExp;
  private lastDataVersion = -1;
  private epoch = 0;

  constructor(db: Database.Database, tables: readonly string[]) {
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
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
      this.epoch++;
    }
    return this.epoch;
  }
}
