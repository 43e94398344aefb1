import type { Kysely } from 'kysely';
import type { ChatResult } from '@patchbay/core';
import type { ResponseCache } from '@patchbay/core/node';
import type { Database } from '../schema';
import { PreparedInsert, PreparedQuery } from '../prepared';

/** As the SQLite cache: replies wait up to FLUSH_MS (or FLUSH_ROWS of them) and go in one statement. */
const FLUSH_MS = 50;
const FLUSH_ROWS = 256;

// A lookup per model call and a write per batch of replies: compiled once (prepared.ts), not built each time.
const lookup = new PreparedQuery<[string], { result: string }>(1, (db, key) => db.selectFrom('cache_chat').select('result').where('key', '=', key));
const store = new PreparedInsert<Database['cache_chat']>(['key', 'model', 'result', 'created_at'], (db, rows) =>
  db
    .insertInto('cache_chat')
    .values(rows)
    .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ model: eb.ref('excluded.model'), result: eb.ref('excluded.result'), created_at: eb.ref('excluded.created_at') }))),
);

/**
 * The response cache in PostgreSQL (#16.5): what `cache.sqlite` holds in a data
 * dir, shared by every server and worker. Keys are request hashes as in the
 * SQLite cache (no key, header or base URL). A reply waiting for its batch is
 * already a hit in this process; a write that fails costs asking again later.
 * `redact` masks secrets in a reply's JSON before it is stored, as in the SQLite cache.
 */
export function postgresResponseCache(
  db: Kysely<Database>,
  where: string,
  log: (line: string) => void = () => {},
  redact: (json: string) => string = (json) => json,
): ResponseCache {
  const pending = new Map<string, { model: string; result: string; created_at: number }>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.size > 0) {
      const rows = [...pending].map(([key, row]) => ({ key, ...row }));
      pending.clear();
      writing = writing.then(() =>
        store
          .execute(db, rows)
          .then(
            () => undefined,
            (err: Error) => log(`could not write ${rows.length} cached repl${rows.length === 1 ? 'y' : 'ies'} to the store: ${err.message}`),
          ),
      );
    }
    return writing;
  };

  return {
    file: where,
    async getChat(key) {
      const waiting = pending.get(key);
      const text = waiting?.result ?? (await lookup.execute(db, key)).rows[0]?.result;
      return text === undefined ? undefined : (JSON.parse(text) as ChatResult);
    },
    putChat(key, result) {
      const { cached: _cached, ...stored } = result;
      pending.set(key, { model: result.model, result: redact(JSON.stringify(stored)), created_at: Date.now() });
      if (pending.size >= FLUSH_ROWS) void flush();
      else timer ??= setTimeout(() => void flush(), FLUSH_MS);
    },
    async getVectors(keys) {
      if (keys.length === 0) return [];
      await writing; // a vector put a moment ago is found
      const rows = await db.selectFrom('cache_vectors').select(['key', 'vector']).where('key', 'in', keys).execute();
      const found = new Map(rows.map((r) => [r.key, r.vector]));
      return keys.map((key) => {
        const v = found.get(key);
        return v ? Array.from(new Float64Array(v.buffer, v.byteOffset, v.byteLength / 8)) : undefined;
      });
    },
    putVectors(entries) {
      if (entries.length === 0) return;
      const now = Date.now();
      // Float64 keeps a cached vector bit-identical to a fresh one; the last of a key in one call wins.
      const rows = [...new Map(entries).entries()].map(([key, vector]) => ({ key, vector: Buffer.from(new Float64Array(vector).buffer), created_at: now }));
      writing = writing.then(() =>
        db
          .insertInto('cache_vectors')
          .values(rows)
          .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ vector: eb.ref('excluded.vector'), created_at: eb.ref('excluded.created_at') })))
          .execute()
          .then(
            () => undefined,
            (err: Error) => log(`could not write ${rows.length} cached vector(s) to the store: ${err.message}`),
          ),
      );
    },
    async size() {
      await flush();
      const count = async (table: 'cache_chat' | 'cache_vectors') =>
        Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      return (await count('cache_chat')) + (await count('cache_vectors'));
    },
    async clear() {
      pending.clear();
      await writing;
      await db.deleteFrom('cache_chat').execute();
      await db.deleteFrom('cache_vectors').execute();
    },
    close: flush,
  };
}
