import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { isPostgres, type StoreDb } from './dialect';
import { PreparedInsert } from './prepared';
import type { Database } from './schema';

/**
 * A document runs ran inline is stored once, however many runs ran it. An
 * eval's case runs each carry the whole document (pipeline null: they are not
 * the pipeline's own runs); stored in each run's row, a 500-case eval over a
 * 52 KB document grew a SQLite store by 27 MB (PostgreSQL, which compresses
 * it, by 8 MB) and made its redacted JSON text 500 times. Now the table `run_documents` holds each document's redacted JSON text once, keyed
 * by its SHA-256, and `runs.document_hash` names it; reads give the same
 * document as before. (run_values, which a run's large values share, is one
 * run's own: its rows go with their run, so it cannot hold what runs share.)
 * Rows written before keep their text in `runs.document`, read as they are.
 */
export interface StoredDocument {
  hash: string;
  /** The document's redacted JSON text. */
  text: string;
}

/**
 * Each document object's JSON text and its last stored form. The runs of one
 * eval are given one document object (a run's document is not changed once
 * given: it waits in the write queue as given), so it is turned into JSON once
 * and hashed again only when its redacted text changes. It is redacted at
 * every write, as any other text: a worker's and the CLI's redactor learn
 * secrets as workspace configs come, and a run is masked with what is known
 * when it is written.
 */
const made = new WeakMap<object, { json: string } & StoredDocument>();

export function storedDocument(document: unknown, redact: (json: string) => string): StoredDocument {
  const key = typeof document === 'object' && document !== null ? document : undefined;
  const known = key && made.get(key);
  const json = known ? known.json : JSON.stringify(document);
  const text = redact(json);
  if (known && known.text === text) return { hash: known.hash, text };
  const stored = { hash: createHash('sha256').update(text).digest('hex'), text };
  if (key) made.set(key, { json, ...stored });
  return stored;
}

type DocumentRow = Database['run_documents'];

/**
 * Adds documents not stored yet. On PostgreSQL one already stored is locked
 * (an update that changes nothing: `WHERE false` writes no row) until the
 * batch commits, so a prune in another process cannot delete it in between
 * (dropUnreferenced skips locked rows); SQLite runs one write at a time.
 */
const insertLocking = new PreparedInsert<DocumentRow>(['hash', 'document'], (db, rows) =>
  db
    .insertInto('run_documents')
    .values(rows)
    .onConflict((oc) => oc.column('hash').doUpdateSet((eb) => ({ hash: eb.ref('excluded.hash') })).where(sql<boolean>`false`)),
);
const insertNew = new PreparedInsert<DocumentRow>(['hash', 'document'], (db, rows) => db.insertInto('run_documents').values(rows).onConflict((oc) => oc.doNothing()));

/** The insert of a batch's documents on `db`'s database ('postgres': a statement's CTE, built on no database object). */
export const insertDocuments = (db: StoreDb | 'postgres') => (db === 'postgres' || isPostgres(db) ? insertLocking : insertNew);

/** Deletes the documents no run names any more (after runs were pruned); answers how many. */
export async function dropUnreferenced(db: StoreDb): Promise<number> {
  const unreferenced = db
    .selectFrom('run_documents as d')
    .select('d.hash')
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('runs as r').select('r.id').whereRef('r.document_hash', '=', 'd.hash'))));
  if (!isPostgres(db)) return Number((await db.deleteFrom('run_documents').where('hash', 'in', unreferenced).executeTakeFirst()).numDeletedRows);
  try {
    // A document a batch in flight is storing a run of is locked by it: skipped, not waited for.
    return Number((await db.deleteFrom('run_documents').where('hash', 'in', unreferenced.forUpdate().skipLocked()).executeTakeFirst()).numDeletedRows);
  } catch (err) {
    // A run of one committed after this statement looked (the foreign key refused the delete): the next prune takes the rest.
    if ((err as { code?: string }).code === '23503') return 0;
    throw err;
  }
}
