import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
// Its own subpath: the whole of @patchbay/core/node is not loaded just to open the store.
import { openDataDatabase } from '@patchbay/core/data-file';
import type { Migration } from './migrations/migration';
import { migrations as builtInMigrations } from './migrations/index';

export type SqliteDatabase = Database.Database;

/** The runner's own SQLite file inside the data dir (indexes and the response cache keep their own files). */
export const RUNNER_DB_FILE = 'runner.sqlite';

/** Opens (creating if needed) the runner database as every data file is opened (data-file.ts), then migrates. */
export function openDatabase(file: string, migrations: readonly Migration[] = builtInMigrations): SqliteDatabase {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  return openDataDatabase(file, (db) => {
    db.pragma('foreign_keys = ON');
    migrate(db, migrations);
  });
}

/** The ids of `migrations` not yet recorded in the database, in the order they apply. */
export function pendingMigrations(db: SqliteDatabase, migrations: readonly Migration[]): string[] {
  const recorded = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get()
    ? new Set(db.prepare('SELECT id FROM schema_migrations').pluck().all() as string[])
    : new Set<string>();
  return migrations.map((m) => m.id).filter((id) => !recorded.has(id)).sort((a, b) => a.localeCompare(b));
}

/**
 * Applies every migration not yet recorded, in id order, each in its own
 * transaction. Ids are strings ("001-initial", "002-evals") rather than one
 * counter so modules written apart can add theirs without renumbering.
 */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[]): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set(db.prepare('SELECT id FROM schema_migrations').pluck().all() as string[]);
  const ids = new Set<string>();
  for (const m of migrations) {
    if (ids.has(m.id)) throw new Error(`two migrations share the id "${m.id}"`);
    ids.add(m.id);
  }
  const pending = [...migrations].filter((m) => !applied.has(m.id)).sort((a, b) => a.id.localeCompare(b.id));
  const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  for (const m of pending) {
    db.transaction(() => {
      m.up(db);
      record.run(m.id, Date.now());
    }).immediate();
  }
  return pending.map((m) => m.id);
}
