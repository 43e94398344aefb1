import { decodeCursor, InvalidCursorError } from '../paging';

/** PostgreSQL's INTEGER: a version number. */
const INT4_MAX = 2 ** 31 - 1;

/**
 * A cursor of whole numbers, as the PostgreSQL lists write them. SQLite
 * compares any number; PostgreSQL refuses 1.5 or 2^63 for a BIGINT parameter,
 * so a forged cursor like that is a bad cursor (400), not a database error.
 */
export function decodeIntCursor<K extends number[]>(cursor: string, size: number, max = Number.MAX_SAFE_INTEGER): K {
  const key = decodeCursor<K>(cursor, Array.from({ length: size }, () => 'number' as const));
  if (!key.every((n) => Number.isSafeInteger(n) && Math.abs(n) <= max)) throw new InvalidCursorError();
  return key;
}

export const decodeVersionCursor = (cursor: string) => decodeIntCursor<[number]>(cursor, 1, INT4_MAX)[0];
