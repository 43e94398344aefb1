import type Database from 'better-sqlite3';
import { KEYWORD_TEXT_VERSION, keywordText } from './keyword-text';
import { Slicer } from './slicer';

/** Chunks read at a time: an open iterator would keep the connection from inserting. */
const BATCH = 500;

export interface KeywordUpgradeProgress {
  /** Chunks whose words are re-read so far, of `total` (every index of the file). */
  done: number;
  total: number;
}

/** Whether the file's keyword indexes were written by an earlier keywordText (its version is the file's `user_version`). */
export function keywordIndexesOutdated(db: Database.Database): boolean {
  return (db.pragma('user_version', { simple: true }) as number) < KEYWORD_TEXT_VERSION;
}

/** The chunks an upgrade re-reads: every index's. */
export function chunksToReread(db: Database.Database): number {
  return db.prepare('SELECT count(*) FROM chunks c JOIN indexes i ON i.id = c.index_id').pluck().get() as number;
}

/**
 * Brings every index's FTS5 table in a retrieval file to the current
 * keywordText, whose version the file keeps as its `user_version`: a file
 * written before holds other words, and deleting a replaced chunk must give
 * FTS5 exactly the words it was given. 'delete-all' clears a table without
 * them; each chunk is then indexed again. Runs inside the caller's write
 * transaction, in slices that let the event loop run (a large index takes
 * seconds): the connection must not be used for anything else meanwhile.
 * A no-op once the file is current.
 */
export async function upgradeKeywordIndexes(
  db: Database.Database,
  options: { signal?: AbortSignal; onProgress?: (progress: KeywordUpgradeProgress) => void } = {},
): Promise<void> {
  if (!keywordIndexesOutdated(db)) return;
  const slices = new Slicer(options.signal);
  const ids = db.prepare('SELECT id FROM indexes').pluck().all() as number[];
  const total = chunksToReread(db);
  const chunks = db.prepare<[number, number], { id: number; text: string }>(`SELECT id, text FROM chunks WHERE index_id = ? AND id > ? ORDER BY id LIMIT ${BATCH}`);
  let done = 0;
  options.onProgress?.({ done, total });
  for (const id of ids) {
    const fts = `fts_${id}`;
    db.exec(`INSERT INTO ${fts} (${fts}) VALUES ('delete-all')`);
    const insert = db.prepare(`INSERT INTO ${fts} (rowid, text) VALUES (?, ?)`);
    for (let batch = chunks.all(id, 0); batch.length > 0; batch = chunks.all(id, batch[batch.length - 1].id)) {
      for (const chunk of batch) {
        insert.run(chunk.id, keywordText(chunk.text));
        await slices.turn();
      }
      done += batch.length;
      options.onProgress?.({ done, total });
    }
  }
  markKeywordIndexesCurrent(db);
}

/** Records that the file's keyword indexes hold the current keywordText's words. */
export function markKeywordIndexesCurrent(db: Database.Database): void {
  db.pragma(`user_version = ${KEYWORD_TEXT_VERSION}`);
}
