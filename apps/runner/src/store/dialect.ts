import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';
import { decodeCursor, InvalidCursorError } from './paging';
import type { Database } from './schema';

/**
 * Every difference between the two databases that the store's one query code
 * (Kysely, store/<resource>.ts) has to know about, named here instead of
 * `if (sqlite)` in each module. Everything else is the same query on both.
 */

export type StoreDb = Kysely<Database>;

/** A Kysely or a transaction of one, whatever its tables. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/** Which database a Kysely (or a transaction of one) talks to. */
export const isPostgres = (db: AnyDb) => db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * Locks the rows a write transaction reads before it writes them (SELECT …
 * FOR UPDATE) on PostgreSQL. SQLite has no row locks: its transactions begin
 * IMMEDIATE (sqlite-kysely.ts), so they already hold the one write lock.
 */
export function forUpdate<Q extends { forUpdate(): Q }>(db: AnyDb, query: Q): Q {
  return isPostgres(db) ? query.forUpdate() : query;
}

/** FOR SHARE on PostgreSQL: the row read stays as read (not deleted, not updated) until the transaction ends; others may share it. */
export function forShare<Q extends { forShare(): Q }>(db: AnyDb, query: Q): Q {
  return isPostgres(db) ? query.forShare() : query;
}

/**
 * Serialises the transactions that write one `key` (a name with no row to
 * lock yet): a transaction-scoped advisory lock on PostgreSQL; nothing on
 * SQLite, whose write transactions are serial already.
 */
export async function lockKey(tx: AnyDb, key: string): Promise<void> {
  if (isPostgres(tx)) await sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`.execute(tx);
}

/**
 * The column that orders a table's rows by insertion: SQLite's rowid, the
 * `seq` BIGSERIAL that stands in for it on PostgreSQL. `table` is the table
 * name or alias the query uses.
 */
export function insertOrder(db: AnyDb, table: string): RawBuilder<number> {
  return sql.ref<number>(`${table}.${isPostgres(db) ? 'seq' : 'rowid'}`);
}

/**
 * Texts for `x IN (…)` as one parameter (a JSON array SQLite's json_each reads, a text[] PostgreSQL unnests), not
 * one parameter each: the statement's text is the same however many there are, so PostgreSQL names and plans it
 * once (postgres/named-statements.ts names at most 256 texts, and a list of N parameters would be a text per N).
 */
export function textList(db: AnyDb, values: readonly string[]): RawBuilder<unknown> {
  return isPostgres(db) ? sql`SELECT unnest(${[...values]}::text[])` : sql`SELECT value FROM json_each(${JSON.stringify(values)})`;
}

/** Pairs of texts for `(x, y) IN (…)`, as textList gives a list. */
export function textPairs(db: AnyDb, pairs: ReadonlyArray<readonly [string, string]>): RawBuilder<unknown> {
  if (isPostgres(db)) return sql`SELECT * FROM unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[])`;
  return sql`SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${JSON.stringify(pairs)})`;
}

/** A primary-key or unique violation: a row another writer committed first. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** PostgreSQL's INTEGER: a version number. */
const INT4_MAX = 2 ** 31 - 1;

/**
 * A number a saved version can have: whole, from 1, within PostgreSQL's INTEGER. Looking up any other is
 * answered "no such version" on both databases (PostgreSQL would refuse 3000000000 as a parameter: a 500).
 */
export const isVersionNumber = (n: number) => Number.isInteger(n) && n >= 1 && n <= INT4_MAX;

/**
 * A cursor of whole numbers. SQLite compares any number; PostgreSQL refuses
 * 1.5 or 2^63 for a BIGINT parameter, so on both a forged cursor like that is
 * a bad cursor (400), not a database error.
 */
export function decodeIntCursor<K extends number[]>(cursor: string, size: number, max = Number.MAX_SAFE_INTEGER): K {
  const key = decodeCursor<K>(cursor, Array.from({ length: size }, () => 'number' as const));
  if (!key.every((n) => Number.isSafeInteger(n) && Math.abs(n) <= max)) throw new InvalidCursorError();
  return key;
}

export const decodeVersionCursor = (cursor: string) => decodeIntCursor<[number]>(cursor, 1, INT4_MAX)[0];

/**
 * How long a run's begin waits for company before its batch commits (group
 * commit, runs.ts): on SQLite until the end of this turn of the event loop (a
 * local commit is cheap, and the answer waits for it); on PostgreSQL a few
 * milliseconds, as finishes do (each commit is a round trip to the server).
 */
export function groupCommitWait(db: AnyDb): 'turn' | 'delay' {
  return isPostgres(db) ? 'delay' : 'turn';
}
