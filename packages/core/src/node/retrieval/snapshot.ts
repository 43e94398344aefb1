import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { KEYWORD_TEXT_VERSION, keywordText } from './keyword-text';
import { ftsTableSql, RETRIEVAL_TABLES, vecTableSql, type IndexRow } from './retrieval-schema';
import { Slicer } from './slicer';

/**
 * The name the one index of an artifact has inside it. An artifact holds no
 * name of its own, so equal contents under two names are one artifact.
 */
export const ARTIFACT_INDEX = 'artifact';
const BATCH = 500;

interface SourceChunk {
  id: number;
  doc_id: string;
  chunk_id: string;
  source: string | null;
  text: string;
  metadata: string | null;
}

/**
 * Copies one index of a retrieval file (`retrieval.sqlite`) into a new SQLite
 * file of its own: the bytes of an index artifact (#16.5). It reads through a
 * connection of its own in one read transaction, so the copy is one committed
 * state while ingests go on, and yields to the event loop between batches.
 * The bytes depend on the contents only (chunks in order, their vectors, the
 * embedding model): no name, no time, rowids renumbered from 1, a rollback
 * journal (no WAL files beside it), so equal contents give equal bytes.
 * False when there is no such index.
 */
export async function writeIndexSnapshot(sourceFile: string, index: string, file: string, signal?: AbortSignal): Promise<boolean> {
  const source = new Database(sourceFile, { readonly: true, fileMustExist: true });
  let out: Database.Database | undefined;
  try {
    sqliteVec.load(source);
    source.exec('BEGIN');
    const row = source.prepare<[string], IndexRow>('SELECT id, name, embedding_model, dimensions FROM indexes WHERE name = ?').get(index);
    if (!row) return false;
    out = new Database(file);
    sqliteVec.load(out);
    out.pragma('journal_mode = DELETE');
    out.exec(RETRIEVAL_TABLES);
    out.pragma(`user_version = ${KEYWORD_TEXT_VERSION}`);
    out.exec('BEGIN');
    out.prepare('INSERT INTO indexes (id, name, embedding_model, dimensions, created_at) VALUES (1, ?, ?, ?, ?)').run(ARTIFACT_INDEX, row.embedding_model, row.dimensions, new Date(0).toISOString());
    out.exec(ftsTableSql('fts_1'));
    if (row.dimensions) out.exec(vecTableSql('vec_1', row.dimensions));
    const chunks = source.prepare<[number, number, number], SourceChunk>('SELECT id, doc_id, chunk_id, source, text, metadata FROM chunks WHERE index_id = ? AND id > ? ORDER BY id LIMIT ?');
    const vectorOf = row.dimensions ? source.prepare(`SELECT embedding FROM vec_${row.id} WHERE rowid = ?`).pluck() : null;
    const insertChunk = out.prepare('INSERT INTO chunks (id, index_id, doc_id, chunk_id, source, text, metadata) VALUES (?, 1, ?, ?, ?, ?, ?)');
    const insertFts = out.prepare('INSERT INTO fts_1 (rowid, text) VALUES (?, ?)');
    const insertVec = row.dimensions ? out.prepare('INSERT INTO vec_1 (rowid, embedding) VALUES (?, ?)') : null;
    const slices = new Slicer(signal);
    let last = 0;
    let n = 0;
    for (;;) {
      const batch = chunks.all(row.id, last, BATCH);
      if (batch.length === 0) break;
      for (const c of batch) {
        n++;
        insertChunk.run(n, c.doc_id, c.chunk_id, c.source, c.text, c.metadata);
        insertFts.run(n, keywordText(c.text));
        if (insertVec) insertVec.run(BigInt(n), vectorOf!.get(BigInt(c.id)));
      }
      last = batch[batch.length - 1].id;
      await slices.turn();
    }
    out.exec('COMMIT');
    return true;
  } finally {
    if (source.inTransaction) source.exec('COMMIT');
    source.close();
    out?.close();
  }
}
