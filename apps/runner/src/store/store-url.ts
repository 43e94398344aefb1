import { maskPasswordParams } from './url-password';
/** A `--store` / PATCHBAY_STORE value that is not a PostgreSQL URL (the CLI exits 2 with this one line). */
export class StoreUrlError extends Error {
  override name = 'StoreUrlError';
}

/** True when `target` names a PostgreSQL database rather than a data dir. */
export const isPostgresUrl = (target: string) => /^postgres(ql)?:\/\//i.test(target.trim());

/**
 * Checks a PostgreSQL URL (`postgres://user[:password]@host[:port]/database`)
 * before anything connects, and returns it with the password masked for logs.
 */
export function checkStoreUrl(target: string): { url: string; display: string } {
  const text = target.trim();
  const shown = maskPasswordParams(text.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@'));
  if (!isPostgresUrl(text)) throw new StoreUrlError(`--store must be a postgres:// URL (postgres://user@host:5432/database), got "${shown}"`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StoreUrlError(`--store is not a valid URL: "${shown}"`);
  }
  if (!url.hostname && !url.searchParams.get('host')) throw new StoreUrlError(`--store names no host: "${shown}" (postgres://user@host:5432/database)`);
  if (url.port && !(Number(url.port) > 0 && Number(url.port) < 65536)) throw new StoreUrlError(`--store has a bad port: "${shown}"`);
  if (url.pathname.replace(/^\//, '') === '') throw new StoreUrlError(`--store names no database: "${shown}" (postgres://user@host:5432/database)`);
  return { url: text, display: shown };
}
