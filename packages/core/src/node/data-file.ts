import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
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
 * A SQLite file of the data dir that this process may not write: a read-only mount, a folder of
 * another user, `chmod -R a-w`. SQLite's own "attempt to write a readonly database" says neither
 * which file nor why. Its `code` stays SQLite's, so a write refused while serving still reads as storage.
 */
export class ReadOnlyDataFileError extends Error {
  override name = 'ReadOnlyDataFileError';
  readonly code: unknown;
  constructor(
    readonly file: string,
    cause: unknown,
    message = `cannot write ${file}: the data dir ${path.dirname(file)} is read-only for this process (${(cause as Error)?.message ?? cause}); make it writable, or pass --data DIR for another`,
  ) {
    super(message, { cause });
    this.code = (cause as { code?: unknown })?.code ?? 'SQLITE_READONLY';
  }
}

/**
 * Whether `err`, met opening or writing the data file `file`, is for want of write permission: SQLite
 * says so itself (SQLITE_READONLY…), or it (or the OS) could not open or create the file where this
 * process may not write. Only then: "unable to open" has other causes (a folder in the file's place).
 */
export function isReadOnlyFailure(err: unknown, file: string): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  if (code.startsWith('SQLITE_READONLY')) return true;
  if (!(code.startsWith('SQLITE_CANTOPEN') || code === 'EACCES' || code === 'EPERM' || code === 'EROFS')) return false;
  return !writable(path.dirname(file)) || (existsSync(file) && !writable(file));
}

function writable(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `open` on the data file `file`; a damaged file comes out as a DamagedDataFileError, one this
 * process may not write as a ReadOnlyDataFileError, SQLite's other errors (it cannot open the file) as
 * a DataFileError naming it, others as they were.
 */
export function openDataFile<T>(file: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    // Already named (an opener within an opener).
    if (err instanceof DamagedDataFileError || err instanceof ReadOnlyDataFileError || err instanceof DataFileError) throw err;
    if (isDamagedDatabase(err)) throw new DamagedDataFileError(file, err);
    if (isReadOnlyFailure(err, file)) throw new ReadOnlyDataFileError(file, err);
    const code = (err as { code?: unknown })?.code;
    throw typeof code === 'string' && code.startsWith('SQLITE_') ? new DataFileError(file, err) : err;
  }
}
