import type Database from 'better-sqlite3';
import { openDataDatabase } from '../data-file';
import { chunksToReread, keywordIndexesOutdated, markKeywordIndexesCurrent, upgradeKeywordIndexes, type KeywordUpgradeProgress } from './keyword-index-upgrade';

export interface KeywordUpgradeTask {
  /** How far it is; null once it is over (done, failed or stopped). */
  progress(): KeywordUpgradeProgress | null;
  /** How many chunks it set out to re-read: known after it is over too. */
  readonly total: number;
  /** Resolves when it is over; never rejects (a failed upgrade is left to the next ingest, which reports it). */
  readonly finished: Promise<void>;
  /** Stops it at once, rolling back: the file keeps its old keyword index. */
  stop(): void;
}

/**
 * Re-reads the keyword indexes of a retrieval file written by an earlier version
 * (keyword-index-upgrade.ts) on a connection of its own, in slices: a large index takes
 * seconds, which must not hold the event loop. Its one write transaction keeps what
 * other connections read as it was until the commit, so searches meanwhile answer from
 * the old keyword index. Null when there is nothing to do, or when another process is
 * writing (no wait at open): that writer, or this process's first ingest, does it then.
 */
export function startKeywordUpgrade(file: string): KeywordUpgradeTask | null {
  const db = openDataDatabase(file, (conn) => {
    // Not in its commit: copying the whole re-read index from the WAL would hold the event loop. The
    // store's own connection checkpoints it with its next write, or when it closes.
    conn.pragma('wal_autocheckpoint = 0');
    conn.pragma('busy_timeout = 0');
  });
  if (!begin(db)) return null;
  const controller = new AbortController();
  const total = chunksToReread(db);
  let progress: KeywordUpgradeProgress | null = { done: 0, total };
  const finish = () => {
    progress = null;
    if (!db.open) return;
    try {
      if (db.inTransaction) db.exec('ROLLBACK');
    } finally {
      db.close();
    }
  };
  const finished = (async () => {
    // Opening returns before any work.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await upgradeKeywordIndexes(db, { signal: controller.signal, onProgress: (p) => (progress = p) });
    db.exec('COMMIT');
  })()
    .catch(() => {})
    .finally(() => {
      try {
        finish();
      } catch {
        // Closing cannot fail in a way anyone could act on; the file keeps its committed state.
      }
    });
  return {
    progress: () => progress,
    total,
    finished,
    stop() {
      controller.abort();
      finish();
    },
  };
}

/** BEGIN IMMEDIATE without waiting; false (and the connection closed) when another writer holds the file or there is nothing to re-read. */
function begin(db: Database.Database): boolean {
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    db.close();
    if ((err as { code?: unknown }).code === 'SQLITE_BUSY') return false;
    throw err;
  }
  if (keywordIndexesOutdated(db) && chunksToReread(db) > 0) return true;
  // A new file (or one without chunks) is current once it says so: nothing to re-read.
  if (keywordIndexesOutdated(db)) markKeywordIndexesCurrent(db);
  db.exec('COMMIT');
  db.close();
  return false;
}
