import type Database from 'better-sqlite3';
import { ftsMatchAny, ftsTerms } from './fts-query';

/**
 * BM25 keyword search on one index's FTS5 table, skipping the work BM25 itself
 * would ignore: FTS5's bm25() clamps the IDF of a term found in at least half
 * of the chunks to ~0 (1e-6), so such a term (a stop word, in practice) only
 * makes every chunk a candidate that then has to be scored. It is left out of
 * the match whenever a rarer term remains; if that finds fewer than topK
 * chunks, the full query runs, so results never shrink. Document frequencies
 * are cached per term until the database changes (any connection's write).
 */
export function createKeywordSearch(db: Database.Database) {
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  let seenVersion: unknown = null;
  const cache = new Map<string, { total: number; df: Map<string, number> }>();
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };

  function stats(ftsTable: string) {
    const version = dataVersion.get();
    if (version !== seenVersion) {
      cache.clear();
      seenVersion = version;
    }
    let entry = cache.get(ftsTable);
    if (!entry) {
      const total = prepare(`SELECT count(*) FROM ${ftsTable}_docsize`).pluck().get() as number;
      entry = { total, df: new Map() };
      cache.set(ftsTable, entry);
    }
    return entry;
  }

  /** Drops terms in half or more of the chunks while a rarer one is left; null when no term needs dropping. */
  function rarerTerms(ftsTable: string, terms: string[]): string[] | null {
    if (terms.length < 2) return null;
    const { total, df } = stats(ftsTable);
    const count = prepare(`SELECT count(*) FROM ${ftsTable} WHERE ${ftsTable} MATCH ?`).pluck();
    const kept = terms.filter((t) => {
      let n = df.get(t);
      if (n === undefined) df.set(t, (n = count.get(ftsMatchAny([t])) as number));
      return n < total / 2;
    });
    return kept.length > 0 && kept.length < terms.length ? kept : null;
  }

  /** After this connection writes (data_version only sees other connections' writes); with a table, also after dropping it. */
  function invalidate(ftsTable?: string) {
    cache.clear();
    if (ftsTable) for (const sql of statements.keys()) if (new RegExp(`\\b${ftsTable}\\b`).test(sql)) statements.delete(sql);
  }

  /** Rowids and scores (higher is better), best first. */
  function search(ftsTable: string, query: string, topK: number): Array<{ rowid: number; score: number }> {
    const terms = ftsTerms(query);
    if (terms.length === 0) return [];
    const ranked = prepare(`SELECT rowid, -rank AS score FROM ${ftsTable} WHERE ${ftsTable} MATCH ? ORDER BY rank LIMIT ?`);
    const rarer = rarerTerms(ftsTable, terms);
    if (rarer) {
      const rows = ranked.all(ftsMatchAny(rarer), topK) as Array<{ rowid: number; score: number }>;
      if (rows.length === topK) return rows;
    }
    return ranked.all(ftsMatchAny(terms), topK) as Array<{ rowid: number; score: number }>;
  }

  return { search, invalidate };
}
