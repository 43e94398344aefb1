import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { WalCheckpointer } from './wal-checkpointer';
import { openDataDatabase } from '../data-file';

/** Written in one transaction every FLUSH_MS, or at once when FLUSH_ROWS wait. */
const FLUSH_MS = 50;
const FLUSH_ROWS = 256;

interface PendingReply {
  model: string;
  json: string;
  at: string;
}

/**
 * One SQLite connection per cache file per process, shared by every
 * openResponseCache() on that file (the runner's services, an eval's, a
 * test's second workspace) and closed when the last one lets go.
 *
 * Replies are written in batches: a commit per reply costs more than the
 * insert itself, and an eval finishes a call every few milliseconds. Because
 * the connection is shared, a reply waiting for its batch is already a hit for
 * everyone in this process; release() writes what is left, so another process
 * sees it no later than the writer closes (or FLUSH_MS after the put).
 */
export class CacheStore {
  readonly db: Database.Database;
  private refs = 0;
  private readonly pending = new Map<string, PendingReply>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly selectChat: Database.Statement<[string], { result: string }>;
  private readonly writeChats: (rows: Array<[string, PendingReply]>) => void;
  private readonly checkpointer: WalCheckpointer;

  private constructor(readonly file: string) {
    const db = (this.db = openDataDatabase(file, (db) => db.exec(CACHE_TABLES)));
    // Checkpoints (which sync to disk) happen on a worker thread, not inside this thread's commits.
    this.checkpointer = new WalCheckpointer(db);
    this.selectChat = db.prepare<[string], { result: string }>('SELECT result FROM chat WHERE key = ?');
    const insertChat = db.prepare('INSERT OR REPLACE INTO chat (key, model, result, created_at) VALUES (?, ?, ?, ?)');
    this.writeChats = db.transaction((rows: Array<[string, PendingReply]>) => {
      for (const [key, row] of rows) insertChat.run(key, row.model, row.json, row.at);
    });
  }

  private static readonly open = new Map<string, CacheStore>();

  /** The store of `file`, opened when no one in this process holds it (or its file was deleted since). */
  static acquire(file: string): CacheStore {
    const id = path.resolve(file);
    let store = CacheStore.open.get(id);
    if (!store || !existsSync(id)) {
      store = new CacheStore(file);
      // A process that ends by process.exit() without closing its services still writes its last batch.
      if (CacheStore.open.size === 0) process.once('exit', CacheStore.flushAll);
      CacheStore.open.set(id, store);
    }
    store.refs++;
    return store;
  }

  private static flushAll(): void {
    for (const store of CacheStore.open.values()) store.flush();
  }

  release(): void {
    this.flush();
    if (--this.refs > 0) return;
    const id = path.resolve(this.file);
    if (CacheStore.open.get(id) === this) CacheStore.open.delete(id);
    if (CacheStore.open.size === 0) process.off('exit', CacheStore.flushAll);
    this.checkpointer.close();
    if (this.db.open) this.db.close();
  }

  /** The stored JSON text of a reply, written or still waiting for its batch. */
  chatText(key: string): string | undefined {
    return this.pending.get(key)?.json ?? this.selectChat.get(key)?.result;
  }

  putChat(key: string, model: string, json: string): void {
    this.pending.set(key, { model, json, at: new Date().toISOString() });
    if (this.pending.size >= FLUSH_ROWS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Rows committed on this connection by someone else than flush() (vectors): they count towards a checkpoint. */
  committed(rows: number): void {
    this.checkpointer.committed(rows);
  }

  /** Forget replies not yet written (the cache is being cleared). */
  dropPending(): void {
    this.pending.clear();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0 || !this.db.open) return;
    const rows = [...this.pending];
    this.pending.clear();
    try {
      this.writeChats(rows);
      this.checkpointer.committed(rows.length);
    } catch (err) {
      // A cache that cannot be written (disk full, locked too long) costs asking again later, not this run.
      console.error(`patchbay: could not write ${rows.length} cached repl${rows.length === 1 ? 'y' : 'ies'} to ${this.file}: ${(err as Error).message}`);
    }
  }
}

const CACHE_TABLES = `
  CREATE TABLE IF NOT EXISTS chat (key TEXT PRIMARY KEY, model TEXT NOT NULL, result TEXT NOT NULL, created_at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL, created_at TEXT NOT NULL);
`;
