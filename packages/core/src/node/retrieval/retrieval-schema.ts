/** The tables of a retrieval file: `retrieval.sqlite` in a data dir, and each index artifact (snapshot.ts). */
export const RETRIEVAL_TABLES = `
  CREATE TABLE IF NOT EXISTS indexes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    embedding_model TEXT,
    dimensions INTEGER,
    created_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    index_id INTEGER NOT NULL,
    doc_id TEXT NOT NULL,
    chunk_id TEXT NOT NULL,
    source TEXT,
    text TEXT NOT NULL,
    metadata TEXT
  );
  CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(index_id, doc_id);
`;

/**
 * One index's FTS5 table over `chunks` (porter stemming, bm25 ranking). It is given
 * keywordText(chunk text), not the text itself (keyword-text.ts): never let FTS5
 * 'rebuild' it from `chunks`; keyword-index-upgrade.ts re-reads it instead.
 */
export const ftsTableSql = (table: string) =>
  `CREATE VIRTUAL TABLE ${table} USING fts5(text, content='chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')`;

/** One index's sqlite-vec table of cosine-distance vectors. */
export const vecTableSql = (table: string, dimensions: number) => `CREATE VIRTUAL TABLE IF NOT EXISTS ${table} USING vec0(embedding float[${dimensions}] distance_metric=cosine)`;

export interface IndexRow {
  id: number;
  name: string;
  embedding_model: string | null;
  dimensions: number | null;
}
