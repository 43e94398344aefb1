import { existsSync, mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { DamagedDataFileError, DataFileError, isReadOnlyFailure, openDataDatabase, openDataFile, ReadOnlyDataFileError } from '../data-file';
import { RETRIEVAL_TABLES } from './retrieval-schema';

export interface RetrievalFile {
  db: Database.Database;
  /** Set when the file could only be opened for reading (a read-only data dir): what any write then throws. */
  readOnly?: ReadOnlyDataFileError;
}

/**
 * The retrieval file as every data file is opened (data-file.ts), with its tables. In a data dir this
 * process may not write, it is opened for reading only, so searches still work (a data dir that holds
 * no retrieval file yet reads as one without indexes). An index artifact is opened read-only, as it is.
 */
export function openRetrievalFile(file: string, options: { artifact?: boolean; dataDir?: string } = {}): RetrievalFile {
  try {
    if (options.artifact) return { db: openReading(file) };
    if (file === ':memory:') return { db: openDataDatabase(file, setUp) };
    try {
      if (options.dataDir) openDataFile(file, () => mkdirSync(options.dataDir!, { recursive: true }));
      return { db: openDataDatabase(file, setUp) };
    } catch (err) {
      if (!(err instanceof ReadOnlyDataFileError)) throw err;
      if (!existsSync(file)) return { db: openDataDatabase(':memory:', setUp), readOnly: err };
      return { db: openForReadingOnly(file), readOnly: err };
    }
  } catch (err) {
    if (err instanceof DamagedDataFileError || err instanceof ReadOnlyDataFileError || err instanceof DataFileError) throw err;
    // A data dir holds several SQLite files: an error alone does not say which.
    throw new DataFileError(file, err);
  }
}

/**
 * Leaves the file in rollback-journal mode when this is the last connection to it (otherwise SQLite
 * says busy and nothing changes): a file in WAL mode cannot be read from a folder the reader may not
 * write, as SQLite must create its -shm file beside it. The next writer turns WAL on again.
 */
export function closeRetrievalFile({ db, readOnly }: RetrievalFile): void {
  if (!readOnly && db.open && db.name !== ':memory:' && !db.readonly) {
    try {
      db.pragma('busy_timeout = 0');
      db.pragma('journal_mode = DELETE');
    } catch {
      // Another connection still has it open: the last one to close does it.
    }
  }
  db.close();
}

function tune(db: Database.Database): void {
  sqliteVec.load(db);
  db.pragma('cache_size = -32000');
  // Queries read FTS5 doclists and docsize rows all over the file: map it rather than copy pages through read().
  db.pragma('mmap_size = 268435456');
}

function setUp(db: Database.Database): void {
  tune(db);
  db.exec(RETRIEVAL_TABLES);
}

function openReading(file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    tune(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** For reading only; a file left in WAL mode (by an earlier version, or a process that was killed) cannot be read so. */
function openForReadingOnly(file: string): Database.Database {
  return openDataFile(file, () => {
    try {
      const db = openReading(file);
      try {
        db.prepare('SELECT count(*) FROM indexes').get();
        return db;
      } catch (err) {
        db.close();
        throw err;
      }
    } catch (err) {
      if (!isReadOnlyFailure(err, file)) throw err;
      throw new ReadOnlyDataFileError(
        file,
        err,
        `cannot read ${file}: it is in write-ahead-log mode, and SQLite cannot read such a file in a folder it may not write (it must create its -shm file beside it); run patchbay search on it once with write access, which leaves it readable from a read-only folder, or make the folder writable`,
      );
    }
  });
}
