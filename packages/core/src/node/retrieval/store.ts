import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Document, ModelService, RetrievalMode, RetrievalService } from '../../engine/services';
import { chunkText, type ChunkOptions } from './chunk';
import { reciprocalRankFusion } from './fusion';
import { createKeywordSearch } from './keyword-search';
import { readIngestFiles } from './ingest-files';
import { chunkIdOf, docIdOf, uniqueById, validateIndexName } from './ids';
import { DATA_FILE_BUSY_TIMEOUT_MS } from '../data-file';
import { fileIdentity } from './file-identity';
import { IndexesBusyError } from './indexes-busy-error';
import { chunksToReread, keywordIndexesOutdated, upgradeKeywordIndexes, type KeywordUpgradeProgress } from './keyword-index-upgrade';
import { startKeywordUpgrade } from './keyword-upgrade-task';
import { keywordText } from './keyword-text';
import { RetrievalInputError } from './retrieval-input-error';
import { closeRetrievalFile, openRetrievalFile } from './retrieval-file';
import { ftsTableSql, vecTableSql, type IndexRow } from './retrieval-schema';
import { Slicer } from './slicer';
import { ARTIFACT_INDEX, writeIndexSnapshot } from './snapshot';

export interface IngestItem {
  text: string;
  source?: string;
  id?: string;
  metadata?: Record<string, unknown>;
}

export interface IngestOptions extends ChunkOptions {
  /** `<provider>:<model>` for the vectors; `null` builds a keyword-only index. Default `offline:hash` for a new index, else the index's own. */
  embeddingModel?: string | null;
  signal?: AbortSignal;
  /** Told how far an ingest is, in chunks: after each embedding batch, then as chunks are written (a large folder takes minutes). */
  onProgress?: (progress: IngestProgress) => void;
}

export interface IngestProgress {
  /** Embedding (skipped by a keyword-only index), then writing to the index. */
  stage: 'embedding' | 'writing';
  done: number;
  total: number;
}

export interface IndexInfo {
  name: string;
  chunks: number;
  embeddingModel: string | null;
}

export interface RetrievalStore extends RetrievalService {
  ingest(index: string, items: IngestItem[], options?: IngestOptions): Promise<{ chunks: number }>;
  /** `.md`, `.txt`, `.json`, `.jsonl`; `source` is each path as given, read relative to `cwd`. */
  ingestFiles(index: string, paths: string[], options?: IngestOptions & { cwd?: string }): Promise<{ chunks: number }>;
  listIndexes(): IndexInfo[];
  /**
   * While the keyword indexes of a file written by an earlier version are re-read (once, in the
   * background from the open; searches meanwhile answer from them as they were): how far it is.
   */
  upgrading(): KeywordUpgradeProgress | null;
  /** Resolves once no such re-read is running. */
  upgraded(): Promise<void>;
  /**
   * The re-read this open started (how many chunks), whether it is over yet or not; null when none was
   * needed or this process could not write the file. A small index is re-read before a caller may look at
   * upgrading(): this still says it happened.
   */
  readonly keywordUpgrade: { total: number } | null;
  /**
   * True when the file's keyword indexes were written by an earlier version and this process may not
   * write the file to re-read them: its keyword searches match words as that version did.
   */
  readonly keywordIndexesOld: boolean;
  deleteIndex(index: string): boolean;
  /** Writes one index into a new SQLite file of its own, its artifact (snapshot.ts); false when there is no such index. */
  snapshot(index: string, file: string): Promise<boolean>;
  close(): void;
}

export const DEFAULT_EMBEDDING_MODEL = 'offline:hash';
const EMBED_BATCH = 256;
const MAX_TOP_K = 1000;
const WRITE_WAIT_MS = 30_000;

interface ChunkRow {
  chunk_id: string;
  source: string | null;
  text: string;
  metadata: string | null;
  score: number;
}

/** The indexes' file in a data dir. */
export const RETRIEVAL_FILE_NAME = 'retrieval.sqlite';

/**
 * Named retrieval indexes in one SQLite file (`<dataDir>/retrieval.sqlite`). Per
 * index: an FTS5 table (porter stemming, bm25 ranking) over the shared `chunks`
 * table, and, when the index has an embedding model, a sqlite-vec `vec0` table
 * of cosine-distance vectors. Per-index tables keep BM25 statistics and vector
 * dimensions apart. With `artifact`, the file is one index's artifact (snapshot.ts),
 * opened read-only: a search of any index name searches its one index.
 */
export function openRetrievalStore(options: {
  dataDir: string;
  models: ModelService;
  inMemory?: boolean;
  artifact?: string;
  /** How long an ingest waits for another connection's write to end (default 30 s). */
  writeWaitMs?: number;
}): RetrievalStore {
  // In memory: a workspace with no indexes' file (or no data dir) that only reads: empty, and it creates nothing.
  const file = options.artifact ?? (options.inMemory ? ':memory:' : join(options.dataDir, RETRIEVAL_FILE_NAME));
  const opened = openRetrievalFile(file, { artifact: options.artifact !== undefined, dataDir: options.inMemory ? undefined : options.dataDir });
  const { db } = opened;
  // A data dir's file may be deleted or replaced under the open connection: each search and ingest checks first.
  const identity = !options.artifact && db.name !== ':memory:' ? fileIdentity(file) : { check() {} };
  // A file written by an earlier version: its keyword indexes are re-read in slices, from now on.
  const upgrade = !opened.readOnly && !options.artifact && file !== ':memory:' && keywordIndexesOutdated(db) ? startKeywordUpgrade(file) : null;
  const { models } = options;

  const getIndex = db.prepare<[string], IndexRow>('SELECT id, name, embedding_model, dimensions FROM indexes WHERE name = ?');
  const insertIndex = db.prepare('INSERT INTO indexes (name, embedding_model, dimensions, created_at) VALUES (?, ?, ?, ?)');
  const insertChunk = db.prepare('INSERT INTO chunks (index_id, doc_id, chunk_id, source, text, metadata) VALUES (?, ?, ?, ?, ?, ?)');
  const chunksOfDoc = db.prepare<[number, string], { id: number; text: string }>('SELECT id, text FROM chunks WHERE index_id = ? AND doc_id = ?');
  const deleteChunk = db.prepare('DELETE FROM chunks WHERE id = ?');
  const fts = (row: IndexRow) => `fts_${row.id}`;
  const vec = (row: IndexRow) => `vec_${row.id}`;
  // Statements on per-index tables, prepared once per table name.
  const statements = new Map<string, Database.Statement>();
  const stmt = (sql: string) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };

  function requireIndex(name: string): IndexRow {
    // An artifact's one index answers to the name it was asked by (its errors then name it).
    const row = options.artifact ? { ...getIndex.get(ARTIFACT_INDEX)!, name } : getIndex.get(name);
    if (row) return row;
    const names = db.prepare<[], { name: string }>('SELECT name FROM indexes ORDER BY name').all().map((r) => r.name);
    throw new RetrievalInputError(`unknown index "${name}"; indexes: ${names.length ? names.join(', ') : '(none)'}`);
  }

  function rowsToDocuments(rows: ChunkRow[]): Document[] {
    return rows.map((r) => ({
      id: r.chunk_id,
      text: r.text,
      score: r.score,
      ...(r.source != null ? { source: r.source } : {}),
      ...(r.metadata != null ? { metadata: JSON.parse(r.metadata) } : {}),
    }));
  }

  /**
   * BEGIN IMMEDIATE, waiting for another connection's write on timers: SQLite's own
   * busy wait sleeps on this thread, and froze the whole process for busy_timeout.
   */
  async function beginWrite(signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + (options.writeWaitMs ?? WRITE_WAIT_MS);
    for (;;) {
      // No busy wait for this one statement only: searches between attempts keep theirs.
      db.pragma('busy_timeout = 0');
      try {
        db.exec('BEGIN IMMEDIATE');
        return;
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'SQLITE_BUSY') throw err;
        if (Date.now() >= deadline) throw new IndexesBusyError();
      } finally {
        db.pragma(`busy_timeout = ${DATA_FILE_BUSY_TIMEOUT_MS}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
      signal?.throwIfAborted();
    }
  }

  /** A gate: `enter` waits until it is open and closes it, the function it returns opens it again. */
  const gate = () => {
    let closed: Promise<void> | null = null;
    return {
      get closed() {
        return closed;
      },
      async enter(): Promise<() => void> {
        while (closed) await closed;
        let open!: () => void;
        closed = new Promise<void>((resolve) => (open = resolve));
        return () => {
          closed = null;
          open();
        };
      },
    };
  };
  /** One ingest at a time on this connection, from waiting for the write lock to its commit. */
  const ingesting = gate();
  /** Closed while an ingest holds its transaction open across turns of the event loop: searches wait. */
  const writing = gate();

  const keyword = createKeywordSearch(db);
  const chunkById = db.prepare<[number], Omit<ChunkRow, 'score'>>('SELECT chunk_id, source, text, metadata FROM chunks WHERE id = ?');

  function keywordSearch(row: IndexRow, query: string, k: number): Document[] {
    const hits = keyword.search(fts(row), query, k);
    return rowsToDocuments(hits.map((h) => ({ ...chunkById.get(h.rowid)!, score: h.score })));
  }

  async function vectorSearch(row: IndexRow, query: string, k: number, signal?: AbortSignal): Promise<Document[]> {
    if (!row.embedding_model) {
      throw new RetrievalInputError(`index "${row.name}" has no embeddings (it was built keyword-only); use mode "keyword"`, { field: 'mode' });
    }
    // An embedded index learns its dimension from its first chunk: until then there is nothing to find.
    if (!row.dimensions || !query.trim()) return [];
    const [vector] = await models.embed(row.embedding_model, [query], { signal });
    signal?.throwIfAborted();
    // Deleted meanwhile, its table names are free for the next new index: read the index by its name again.
    const now = requireIndex(row.name);
    if (now.id !== row.id || now.embedding_model !== row.embedding_model) throw new RetrievalInputError(`index "${row.name}" was deleted while it was being searched; search again`);
    if (!vector || vector.length !== row.dimensions) {
      throw new Error(`embedding model ${row.embedding_model} returned ${vector?.length ?? 0} dimensions; index "${row.name}" has ${row.dimensions}`);
    }
    const rows = stmt(
      `SELECT c.chunk_id, c.source, c.text, c.metadata, 1 - v.distance AS score
       FROM (SELECT rowid, distance FROM ${vec(row)} WHERE embedding MATCH ? AND k = ?) v
       JOIN chunks c ON c.id = v.rowid ORDER BY v.distance`,
    ).all(toBlob(vector), k) as ChunkRow[];
    return rowsToDocuments(rows);
  }

  async function embedAll(model: string, texts: string[], signal?: AbortSignal, onProgress?: IngestOptions['onProgress']): Promise<number[][]> {
    const out: number[][] = [];
    const slices = new Slicer(signal);
    for (let i = 0; i < texts.length; i += EMBED_BATCH) {
      await slices.turn();
      signal?.throwIfAborted();
      const batch = texts.slice(i, i + EMBED_BATCH);
      const vectors = await models.embed(model, batch, { signal });
      if (vectors.length !== batch.length) throw new Error(`embedding model ${model} returned ${vectors.length} vectors for ${batch.length} texts`);
      // Each call checks its own vectors agree; calls may not (two models behind one address).
      const first = out[0]?.length ?? vectors[0]?.length;
      const other = vectors.find((v) => v.length !== first);
      if (other) throw new Error(`embedding model ${model} returned vectors of ${first} and ${other.length} dimensions`);
      out.push(...vectors);
      onProgress?.({ stage: 'embedding', done: out.length, total: texts.length });
    }
    return out;
  }

  const store: RetrievalStore = {
    async ingest(index, items, opts = {}) {
      validateIndexName(index);
      if (opened.readOnly) throw opened.readOnly;
      if (typeof opts.embeddingModel === 'string' && !/^[^:]+:.+$/.test(opts.embeddingModel)) {
        // "" would otherwise make an index whose model is "" (keyword-only, yet refusing null).
        throw new RetrievalInputError(`embeddingModel must be "<provider>:<model>", or null for a keyword-only index; got ${JSON.stringify(opts.embeddingModel)}`, { field: 'embeddingModel' });
      }
      const existing = getIndex.get(index);
      const model = resolveModel(index, existing, opts.embeddingModel);
      const slices = new Slicer(opts.signal);
      const prepared: { item: IngestItem; docId: string; pieces: string[] }[] = [];
      for (const [i, item] of items.entries()) {
        if (!item || typeof item.text !== 'string') throw new RetrievalInputError(`item ${i}: "text" must be a string`, { item: i, field: 'text' });
        prepared.push({ item, docId: docIdOf(item), pieces: chunkText(item.text, opts) });
        await slices.turn();
      }
      const unique = uniqueById(prepared);
      const texts = unique.flatMap((p) => p.pieces);
      // Embeddings are computed before the transaction: a failing provider leaves the index as it was.
      if (model && texts.length) opts.onProgress?.({ stage: 'embedding', done: 0, total: texts.length });
      const vectors = model ? await embedAll(model, texts, opts.signal, opts.onProgress) : [];
      opts.signal?.throwIfAborted();
      const dimensions = vectors[0]?.length ?? existing?.dimensions ?? null;
      if (existing?.dimensions && dimensions !== existing.dimensions) {
        throw new Error(`embedding model ${model} returned ${dimensions} dimensions; index "${index}" has ${existing.dimensions}`);
      }

      // One transaction, written in slices: the event loop runs between them (a 4 MB ingest
      // held it for seconds), and `writing` keeps other calls on this connection out meanwhile.
      const release = await ingesting.enter();
      let endWrite: (() => void) | undefined;
      try {
        // The re-read of an old file's keyword indexes holds the write lock: an ingest comes after it.
        await upgrade?.finished;
        // Searches go on while another process holds the lock: nothing is open on this connection yet.
        await beginWrite(opts.signal);
        endWrite = await writing.enter();
        identity.check();
        // Replacing a chunk deletes the words its file's keyword index holds: they must be the current ones
        // (re-read here when another process was writing as this one opened the file).
        await upgradeKeywordIndexes(db, { signal: opts.signal });
        let row = getIndex.get(index);
        if (!row) {
          insertIndex.run(index, model, model ? dimensions : null, new Date().toISOString());
          row = getIndex.get(index)!;
          db.exec(ftsTableSql(fts(row)));
        } else if (!existing) {
          // Another ingest created the index while this one embedded: it keeps that one's model.
          resolveModel(index, row, model);
          if (row.dimensions && dimensions && row.dimensions !== dimensions) {
            throw new Error(`embedding model ${model} returned ${dimensions} dimensions; index "${index}" has ${row.dimensions}`);
          }
        }
        if (model && dimensions && !row.dimensions) {
          db.prepare('UPDATE indexes SET dimensions = ? WHERE id = ?').run(dimensions, row.id);
          row = getIndex.get(index)!;
        }
        if (row.dimensions) {
          db.exec(vecTableSql(vec(row), row.dimensions));
        }
        const ftsInsert = stmt(`INSERT INTO ${fts(row)} (rowid, text) VALUES (?, ?)`);
        const ftsDelete = stmt(`INSERT INTO ${fts(row)} (${fts(row)}, rowid, text) VALUES ('delete', ?, ?)`);
        const vecInsert = row.dimensions ? stmt(`INSERT INTO ${vec(row)} (rowid, embedding) VALUES (?, ?)`) : null;
        const vecDelete = row.dimensions ? stmt(`DELETE FROM ${vec(row)} WHERE rowid = ?`) : null;
        let v = 0;
        let written = 0;
        opts.onProgress?.({ stage: 'writing', done: 0, total: texts.length });
        for (const { item, docId, pieces } of unique) {
          // Re-ingesting a document replaces it, so indexing a folder twice does not double it.
          for (const old of chunksOfDoc.all(row.id, docId)) {
            ftsDelete.run(old.id, keywordText(old.text));
            vecDelete?.run(BigInt(old.id));
            deleteChunk.run(old.id);
          }
          const metadata = item.metadata ? JSON.stringify(item.metadata) : null;
          for (const [n, text] of pieces.entries()) {
            const { lastInsertRowid } = insertChunk.run(row.id, docId, chunkIdOf(docId, n, pieces.length), item.source ?? null, text, metadata);
            ftsInsert.run(lastInsertRowid, keywordText(text));
            vecInsert?.run(BigInt(lastInsertRowid), toBlob(vectors[v++]));
            opts.onProgress?.({ stage: 'writing', done: ++written, total: texts.length });
            await slices.turn();
          }
        }
        // Not acknowledged into a file that is no longer there.
        identity.check();
        db.exec('COMMIT');
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      } finally {
        endWrite?.();
        release();
      }
      keyword.invalidate();
      return { chunks: texts.length };
    },

    async ingestFiles(index, paths, opts) {
      validateIndexName(index);
      if (opened.readOnly) throw opened.readOnly;
      return store.ingest(index, await readIngestFiles(paths, { cwd: opts?.cwd }), opts);
    },

    async search(index, query, opts) {
      // An ingest in progress shows nothing half-written: searches wait for its commit.
      while (writing.closed) await writing.closed;
      identity.check();
      const row = requireIndex(index);
      const { topK, mode, signal } = opts;
      if (!Number.isInteger(topK) || topK < 1 || topK > MAX_TOP_K) throw new RetrievalInputError(`topK must be an integer from 1 to ${MAX_TOP_K}, got ${topK}`, { field: 'topK' });
      if (opts.embeddingModel && mode !== 'keyword' && opts.embeddingModel !== row.embedding_model) {
        throw new RetrievalInputError(`index "${index}" was embedded with ${row.embedding_model ?? 'no model'}, not ${opts.embeddingModel}`, { field: 'embeddingModel' });
      }
      signal?.throwIfAborted();
      if (mode === 'keyword') return keywordSearch(row, query, topK);
      if (mode === 'vector') return vectorSearch(row, query, topK, signal);
      if (mode !== 'hybrid') throw new RetrievalInputError(`unknown search mode "${String(mode)}"; modes: keyword, vector, hybrid`, { field: 'mode' });
      // Each side brings more candidates than asked for, so fusion can promote a document both find.
      const pool = Math.min(MAX_TOP_K, Math.max(topK * 4, 20));
      const fused = reciprocalRankFusion([keywordSearch(row, query, pool), await vectorSearch(row, query, pool, signal)], (d) => d.id);
      return fused.slice(0, topK).map(({ item, score }) => ({ ...item, score }));
    },

    listIndexes() {
      return db
        .prepare<[], { name: string; embedding_model: string | null; chunks: number }>(
          'SELECT name, embedding_model, (SELECT count(*) FROM chunks WHERE index_id = i.id) AS chunks FROM indexes i ORDER BY name',
        )
        .all()
        .map((r) => ({ name: r.name, chunks: r.chunks, embeddingModel: r.embedding_model }));
    },

    deleteIndex(index) {
      const row = getIndex.get(index);
      if (!row) return false;
      if (opened.readOnly) throw opened.readOnly;
      if (ingesting.closed) throw new RetrievalInputError(`an ingest is writing to the indexes right now; delete "${index}" once it is done`);
      if (upgrade?.progress()) throw new RetrievalInputError(`the keyword indexes, written by an earlier version, are being brought up to date right now; delete "${index}" once that is done`);
      db.transaction(() => {
        db.exec(`DROP TABLE IF EXISTS ${fts(row)}; DROP TABLE IF EXISTS ${vec(row)}`);
        db.prepare('DELETE FROM chunks WHERE index_id = ?').run(row.id);
        db.prepare('DELETE FROM indexes WHERE id = ?').run(row.id);
      })();
      keyword.invalidate(fts(row));
      const own = new RegExp(`\\b(fts|vec)_${row.id}\\b`);
      for (const key of statements.keys()) if (own.test(key)) statements.delete(key);
      return true;
    },

    async snapshot(index, target) {
      return file === ':memory:' ? false : writeIndexSnapshot(file, index, target);
    },

    upgrading: () => upgrade?.progress() ?? null,
    upgraded: async () => upgrade?.finished,
    keywordUpgrade: upgrade ? { total: upgrade.total } : null,
    keywordIndexesOld: opened.readOnly !== undefined && keywordIndexesOutdated(db) && chunksToReread(db) > 0,

    close() {
      upgrade?.stop();
      closeRetrievalFile(opened);
    },
  };
  return store;
}

function resolveModel(index: string, existing: IndexRow | undefined, requested: string | null | undefined): string | null {
  if (!existing) return requested === undefined ? DEFAULT_EMBEDDING_MODEL : requested;
  if (requested !== undefined && requested !== existing.embedding_model) {
    const was = existing.embedding_model ?? 'no embeddings (keyword-only)';
    throw new RetrievalInputError(`index "${index}" was built with ${was}; it keeps that, so it cannot take documents embedded with ${requested ?? 'none'}`, { field: 'embeddingModel' });
  }
  return existing.embedding_model;
}

function toBlob(vector: number[]): Buffer {
  const f = Float32Array.from(vector);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}
