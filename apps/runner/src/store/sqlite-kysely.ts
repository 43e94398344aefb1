import path from 'node:path';
import { CompiledQuery, Kysely, SqliteDialect, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';
import type Database from 'better-sqlite3';
import type { Database as Tables } from './schema';
import type { SqliteChangeClock } from './sqlite-change-clock';

/**
 * Kysely over the runner's better-sqlite3 connection, as the store's query
 * code sees SQLite. Three things differ from Kysely's own SqliteDriver:
 * - write transactions BEGIN IMMEDIATE, taking the write lock before they read
 *   (a save compares the latest version and inserts, and no other process may
 *   slip in between);
 * - the one-at-a-time lock is shared by every connection this process has on
 *   the same file: better-sqlite3 waits for SQLite's lock synchronously, so a
 *   second in-process connection must never ask while the first holds it
 *   across an await (it would block the thread the first needs to commit);
 * - prepared statements are kept by their SQL text, as hand-written
 *   better-sqlite3 code keeps them, instead of prepared again per query;
 * - `clock` (when given) hears of every write to the tables it watches, so
 *   reads cached from them are dropped (read-cache.ts).
 */
export function sqliteKysely(db: Database.Database, written: (rows: number) => void = () => {}, clock?: SqliteChangeClock): Kysely<Tables> {
  return new Kysely<Tables>({ dialect: new ImmediateSqliteDialect(db, written, clock) });
}

/** `written` is told how many rows each write (or write transaction, once it ends) changed: the WAL checkpointer counts them. */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly db: Database.Database,
    private readonly written: (rows: number) => void,
    private readonly clock?: SqliteChangeClock,
  ) {
    super({ database: db });
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.db, this.written, this.clock);
  }
}

/** One lock per database file in this process (`:memory:` databases are each their own). */
const fileLocks = new Map<string, Mutex>();

class ImmediateSqliteDriver implements Driver {
  private readonly connection: StatementCacheConnection;
  private readonly mutex: Mutex;

  constructor(
    private readonly db: Database.Database,
    written: (rows: number) => void,
    clock?: SqliteChangeClock,
  ) {
    this.connection = new StatementCacheConnection(db, written, clock);
    const file = db.memory ? undefined : path.resolve(db.name);
    this.mutex = file === undefined ? new Mutex() : (fileLocks.get(file) ?? fileLocks.set(file, new Mutex()).get(file)!);
  }

  async init() {}

  async acquireConnection() {
    await this.mutex.lock();
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('BEGIN IMMEDIATE'));
  }

  async commitTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('COMMIT'));
  }

  async rollbackTransaction(connection: DatabaseConnection) {
    // SQLite rolls back by itself on some errors (SQLITE_FULL, SQLITE_IOERR): a ROLLBACK then would
    // fail and hide the error that says why (the store answers 507 for a full disk, not 500).
    if (this.db.inTransaction) await connection.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }

  async releaseConnection() {
    this.mutex.unlock();
  }

  /** The store closes the better-sqlite3 connection itself (after a WAL checkpoint). */
  async destroy() {}
}

/** Prepared statements kept per SQL text, the least recently added dropped past this many. */
const STATEMENT_CACHE = 500;

/** A prepared statement, and whether it writes a table the change clock watches. */
interface CachedStatement {
  stmt: Database.Statement;
  watched: boolean;
}

class StatementCacheConnection implements DatabaseConnection {
  private readonly statements = new Map<string, CachedStatement>();
  /** Rows changed by the open transaction: told once it has ended (a checkpoint copies committed rows only). */
  private changed = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly written: (rows: number) => void,
    private readonly clock?: SqliteChangeClock,
  ) {}

  private prepare(text: string): CachedStatement {
    let cached = this.statements.get(text);
    if (!cached) {
      const stmt = this.db.prepare(text);
      // `readonly`, not `reader`: a DELETE … RETURNING reads rows and writes.
      cached = { stmt, watched: !stmt.readonly && this.clock !== undefined && this.clock.watches(text) };
      if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(text, cached);
    }
    return cached;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { stmt, watched } = this.prepare(query.sql);
    const parameters = query.parameters as unknown[];
    if (watched) this.clock!.wrote();
    if (stmt.reader) return { rows: stmt.all(parameters) as R[] };
    const { changes, lastInsertRowid } = stmt.run(parameters);
    this.changed += changes;
    if (this.changed > 0 && !this.db.inTransaction) {
      this.written(this.changed);
      this.changed = 0;
    }
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the store does not stream queries');
  }
}

/** A promise-chained lock (Kysely's SqliteDriver has the same, private). */
class Mutex {
  private held: Promise<void> | undefined;
  private release: (() => void) | undefined;

  async lock() {
    while (this.held) await this.held;
    this.held = new Promise((resolve) => (this.release = resolve));
  }

  unlock() {
    const release = this.release;
    this.held = undefined;
    this.release = undefined;
    release?.();
  }
}
