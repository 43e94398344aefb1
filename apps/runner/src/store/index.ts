import path from 'node:path';
import { openDatabase, RUNNER_DB_FILE, type SqliteDatabase } from './db';
import { SqlitePipelineStore, type PipelineStore } from './pipelines';
import { SqliteRunStore, type RunStore } from './runs';
import { SqliteVersionStore, type VersionStore } from './versions';
import { migrations as builtInMigrations, type Migration } from './migrations/index';

export type { PipelineStore, PipelineSummary } from './pipelines';
export type { VersionStore, VersionRecord, VersionSummary, NewVersion, SaveResult, StoredProblem } from './versions';
export type { RunStore, RunRecord, RunSummary, RunStart, RunFinish } from './runs';
export type { Migration } from './migrations/index';
export { openDatabase, migrate, RUNNER_DB_FILE, type SqliteDatabase } from './db';
export { SqlitePipelineStore } from './pipelines';
export { SqliteVersionStore } from './versions';
export { SqliteRunStore } from './runs';

/**
 * The runner's storage, one module per resource behind an interface, so a
 * PostgreSQL implementation can sit beside the SQLite one. A resource added
 * later (datasets, eval results) adds its module here and its migration to
 * `migrations/index.ts`; `db` is there for such SQLite modules.
 */
export interface Store {
  pipelines: PipelineStore;
  versions: VersionStore;
  runs: RunStore;
  /** The file the store lives in (`:memory:` for a throwaway store). */
  file: string;
  db: SqliteDatabase;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Redacts secrets out of every JSON text written to the database. */
  redact?: (json: string) => string;
  onWriteError?: (error: Error, runId: string) => void;
  /** Extra migrations on top of the built-in ones. */
  migrations?: Migration[];
}

export function openSqliteStore(dataDir: string, options: OpenStoreOptions = {}): Store {
  const file = dataDir === ':memory:' ? ':memory:' : path.join(dataDir, RUNNER_DB_FILE);
  const db = openDatabase(file, [...builtInMigrations, ...(options.migrations ?? [])]);
  const runs = new SqliteRunStore(db, { redact: options.redact, onWriteError: options.onWriteError });
  return {
    pipelines: new SqlitePipelineStore(db),
    versions: new SqliteVersionStore(db),
    runs,
    file,
    db,
    async close() {
      await runs.flush();
      if (db.open) {
        // Fold the WAL back into the main file so a stopped runner leaves one clean file.
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      }
    },
  };
}
