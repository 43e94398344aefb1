import path from 'node:path';
import { checkStoreUrl, isPostgresUrl } from '../store/store-url';

/** A `--store` value this build cannot use. */
export class StoreLocationError extends Error {
  override name = 'StoreLocationError';
}

/**
 * Reads a `--store` / PATCHBAY_STORE value: a data dir (a path, or
 * `sqlite:PATH`) whose SQLite file several processes share (WAL), or a
 * `postgres://` URL (checked, returned as is). Throws StoreLocationError with a one-line reason.
 */
export function sqliteStoreDir(text: string, cwd: string): string {
  const value = text.trim();
  if (value === '') throw new StoreLocationError('--store is empty: give a data dir (sqlite:DIR or a path) or a postgres:// URL');
  if (isPostgresUrl(value)) {
    try {
      return checkStoreUrl(value).url;
    } catch (err) {
      throw new StoreLocationError((err as Error).message);
    }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'sqlite' || scheme === 'file') return path.resolve(cwd, value.slice(scheme.length + 1).replace(/^\/\//, ''));
  if (scheme && scheme.length > 1) throw new StoreLocationError(`--store must be a data dir (sqlite:DIR or a path) or a postgres:// URL, got "${scheme}:…"`);
  return path.resolve(cwd, value);
}
