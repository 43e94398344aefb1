import type Database from 'better-sqlite3';
import { KEYWORD_TEXT_VERSION, keywordText } from './keyword-text';

/**
 * Brings every index's FTS5 table in a retrieval file to the current
 * keywordText, whose version the file keeps as its `user_version`: a file
 * written before holds other words, and deleting a replaced chunk must give
 * FTS5 exactly the words it was given. 'delete-all' clears a table without
 * them; each chunk is then indexed again. Runs inside the caller's write
 * transaction; a no-op once the file is current.
 */
export function upgradeKeywordIndexes(db: Database.Database): void {
  if ((db.pragma('user_version', { simple: true }) as number) >= KEYWORD_TEXT_VERSION) return;
  const ids = db.prepare('SELECT id FROM indexes').pluck().all() as number[];
  // In batches: an open iterator would keep the connection from inserting.
  const chunks = db.prepare<[number, number], { id: number; text: string }>('SELECT id, text FROM chunks WHERE index_id = ? AND id > ? ORDER BY id LIMIT 500');
  for (const id of ids) {
    const fts = `fts_${id}`;
    db.exec(`INSERT INTO ${fts} (${fts}) VALUES ('delete-all')`);
    const insert = db.prepare(`INSERT INTO ${fts} (rowid, text) VALUES (?, ?)`);
    for (let batch = chunks.all(id, 0); batch.length > 0; batch = chunks.all(id, batch[batch.length - 1].id)) {
      for (const chunk of batch) insert.run(chunk.id, keywordText(chunk.text));
    }
  }
  db.pragma(`user_version = ${KEYWORD_TEXT_VERSION}`);
}
