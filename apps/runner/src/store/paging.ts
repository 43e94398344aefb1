/**
 * Keyset paging for every list a store serves. A cursor is opaque to callers:
 * base64url of the sort key of the last item served, so each implementation
 * (SQLite, PostgreSQL) can put its own tie-breaker in it. Keyset, not OFFSET:
 * a page costs the same however deep it is, and an insert between two pages
 * neither repeats nor skips an item.
 */

/** The largest page any list serves (`limit` above it is a 400 at the edge). */
export const MAX_PAGE_LIMIT = 1000;

export interface PageRequest {
  limit: number;
  /** `nextCursor` of the page before; none for the first page. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Null on the last page. */
  nextCursor: string | null;
}

export type CursorKey = (string | number)[];

/** A cursor that no list of ours wrote (or another list's). */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
  constructor() {
    super('cursor is not one this list gave out (pass the nextCursor of the page before, unchanged)');
  }
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Decodes a cursor whose key has exactly these kinds, in order; throws InvalidCursorError otherwise. */
export function decodeCursor<K extends CursorKey>(cursor: string, kinds: readonly ('number' | 'string')[]): K {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  const ok =
    Array.isArray(key) &&
    key.length === kinds.length &&
    key.every((v, i) => (kinds[i] === 'number' ? typeof v === 'number' && Number.isFinite(v) : typeof v === 'string'));
  if (!ok) throw new InvalidCursorError();
  return key as K;
}

/**
 * Turns `limit + 1` rows (fetch one more than asked to know whether a next page exists)
 * into a page; `keyOf` gives the sort key of the last row served.
 */
export function toPage<R, T>(rows: R[], limit: number, keyOf: (row: R) => CursorKey, map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const served = more ? rows.slice(0, limit) : rows;
  return { items: served.map(map), nextCursor: more ? encodeCursor(keyOf(served[served.length - 1])) : null };
}
