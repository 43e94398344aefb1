import Database from 'better-sqlite3';

/** How long a data file's connection waits for another process's write lock (SQLite's busy_timeout). */
export const DATA_FILE_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens a SQLite file of the data dir (runner.sqlite, cache.sqlite, retrieval.sqlite) the one way
 * each of them is opened: WAL, so readers never wait for the writer; NORMAL sync, durable at checkpoints and safe
 * against a process crash; a busy timeout, as several processes (CLI runs, the server) may share one
 * data dir and should queue rather than fail. Then `setup` (its tables, migrations, other pragmas).
 * When that fails the file is closed again; a damaged file comes out as a DamagedDataFileError, and
 * SQLite's other errors as a DataFileError naming the file.
 */
export function openDataDatabase(file: string, setup: (db: Database.Database) => void): Database.Database {
  return openDataFile(file, () => {
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma(`busy_timeout = ${DATA_FILE_BUSY_TIMEOUT_MS}`);
      setup(db);
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  });
}

/**
 * A SQLite file of the data dir (runner.sqlite, cache.sqlite…) that is damaged
 * or not a database at all: SQLite's own "file is not a database" does not say
 * which of the data dir's files, nor what to do. Never fixed or deleted here:
 * the file is the user's, and may be all they have.
 */
export class DamagedDataFileError extends Error {
  override name = 'DamagedDataFileError';
  /** SQLite's code (SQLITE_NOTADB, SQLITE_CORRUPT…), as on the error it stands for. */
  readonly code: unknown;
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`${file} is damaged or is not a SQLite database (${(cause as Error)?.message ?? cause}); restore it from a backup, or move it aside to start with a new one`, { cause });
    this.code = (cause as { code?: unknown })?.code;
  }
}

/** SQLite's codes (better-sqlite3's `code`) for a file it cannot read as a database. */
export function isDamagedDatabase(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

/**
 * An error of SQLite's about a data file, named: a data dir holds several SQLite files, and SQLite's
 * own words ("unable to open database file") do not say which. `code` is SQLite's, as on the cause.
 */
export class DataFileError extends Error {
  override name = 'DataFileError';
  readonly code: unknown;
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`${file}: ${(cause as Error)?.message ?? cause}`, { cause });
    this.code = (cause as { code?: unknown })?.code;
  }
}

/**
 * Runs `open` on the data file `file`; a damaged file comes out as a DamagedDataFileError, SQLite's
 * other errors (it cannot open the file, cannot write it) as a DataFileError naming it, others as they were.
 */
export function openDataFile<T>(file: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    if (isDamagedDatabase(err)) throw new DamagedDataFileError(file, err);
    const code = (err as { code?: unknown })?.code;
    throw typeof code === 'string' && code.startsWith('SQLITE_') ? new DataFileError(file, err) : err;
  }
}
