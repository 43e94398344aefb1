import path from 'node:path';

/** A `--store` value this build cannot use. */
export class StoreLocationError extends Error {
  override name = 'StoreLocationError';
}

/**
 * Reads a `--store` / PATCHBAY_STORE value: a data dir (a path, or
 * `sqlite:PATH`) whose SQLite file several processes share (WAL). A
 * `postgres://` store is refused here until the PostgreSQL store is part of
 * the build. Throws StoreLocationError with a one-line reason.
 */
export function sqliteStoreDir(text: string, cwd: string): string {
  const value = text.trim();
  if (value === '') throw new StoreLocationError('--store is empty: give a data dir (sqlite:DIR or a path) or a postgres:// URL');
  if (/^postgres(ql)?:\/\//i.test(value)) throw new StoreLocationError('--store postgres://… needs the PostgreSQL store, which this build does not have yet; use a shared data dir (sqlite:DIR)');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'sqlite' || scheme === 'file') return path.resolve(cwd, value.slice(scheme.length + 1).replace(/^\/\//, ''));
  if (scheme && scheme.length > 1) throw new StoreLocationError(`--store must be a data dir (sqlite:DIR or a path) or a postgres:// URL, got "${scheme}:…"`);
  return path.resolve(cwd, value);
}
