import { copyFileSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DATA_FILE_BUSY_TIMEOUT_MS, isReadOnlyFailure, openDataFile } from '@patchbay/core/data-file';

export interface ReadOnlyDatabase {
  db: Database.Database;
  close(): void;
}

/**
 * The runner's SQLite file opened for reading only: no migration, no checkpoint, nothing written.
 * A runner leaves it in WAL mode, and SQLite reads such a file only with its -shm beside it: present
 * while a runner has it open, else created, which a folder this process may not write refuses
 * (SQLITE_READONLY_DIRECTORY). No runner has it open then, so the main file and its -wal (what a runner
 * killed before its checkpoint committed there) hold everything, and a copy of both in a temp dir is
 * read; taken again if either changed while it was copied.
 */
export function openSqliteForReading(file: string): ReadOnlyDatabase {
  return openDataFile(file, () => {
    let refused: unknown;
    // A runner writing all the while gets its -shm made, and the next direct open reads.
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const db = openReading(file);
        return { db, close: () => db.close() };
      } catch (err) {
        if (!isReadOnlyFailure(err, file)) throw err;
        refused = err;
      }
      const copy = copyIfUnchanged(file);
      if (copy) return copy;
    }
    throw refused;
  });
}

/** A copy of `file` (and its -wal) opened read-only in a temp dir removed at close; undefined if either changed while it was copied. */
function copyIfUnchanged(file: string): ReadOnlyDatabase | undefined {
  // SQLite finds the -wal beside the file a symlink points to, not beside the link.
  const real = realpathSync(file);
  const files = [real, `${real}-wal`];
  const before = files.map(stamp);
  removeCopiesOfTheDead();
  const dir = mkdtempSync(path.join(tmpdir(), `${COPY_PREFIX}${process.pid}-`));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const copy = path.join(dir, path.basename(file));
    copyFileSync(real, copy);
    if (existsSync(files[1])) copyFileSync(files[1], `${copy}-wal`);
    if (files.map(stamp).join() !== before.join()) {
      remove();
      return undefined;
    }
    const db = openReading(copy);
    return {
      db,
      close() {
        db.close();
        remove();
      },
    };
  } catch (err) {
    remove();
    throw err;
  }
}

/** A copy's temp dir: `patchbay-read-PID-XXXXXX`, so a copy whose process is gone can be told from one in use. */
const COPY_PREFIX = 'patchbay-read-';

/**
 * Removes the copies that readers killed before their close left (kill -9, out of memory): a copy
 * is as large as the store, and a temp dir is often memory. Only this user's may go; others stay.
 */
function removeCopiesOfTheDead(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const pid = name.startsWith(COPY_PREFIX) ? Number(/^(\d+)-/.exec(name.slice(COPY_PREFIX.length))?.[1]) : NaN;
    if (!(pid > 0) || pid === process.pid || isAlive(pid)) continue;
    try {
      rmSync(path.join(tmpdir(), name), { recursive: true, force: true });
    } catch {
      // Another user's, or being removed by another reader: left as it is.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, another user's.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** What tells a file changed while it was copied: its size and mtime ('' when it is not there). */
function stamp(file: string): string {
  const s = statSync(file, { throwIfNoEntry: false });
  return s ? `${s.size}:${s.mtimeMs}` : '';
}

function openReading(file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${DATA_FILE_BUSY_TIMEOUT_MS}`);
    // Opening reads nothing: the first read is where SQLite finds it cannot.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
