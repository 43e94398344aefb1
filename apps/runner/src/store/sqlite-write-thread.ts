import { Worker } from 'node:worker_threads';
import type { CompiledQuery } from 'kysely';
import { DATA_FILE_BUSY_TIMEOUT_MS } from '@patchbay/core/data-file';
import { fileLock } from './sqlite-kysely';

const WORKER_FILE = new URL('./sqlite-write-worker.mjs', import.meta.url);

/** What SQLite's own automatic checkpoint uses (pages): the thread's connection goes back to it when the WalCheckpointer fails. */
const SQLITE_AUTOCHECKPOINT = 1000;

/** SQLite's error as the thread reports it: `code` (SQLITE_FULL, SQLITE_IOERR_…) is what StorageHealth reads. */
export class SqliteWriteError extends Error {
  override name = 'SqliteError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

type Reply = { id: number; changes: number[] } | { id: number; error: { message: string; code?: string } };

/**
 * Runs transactions of the runs store on a worker thread with its own connection
 * to the runner's SQLite file. better-sqlite3 is synchronous: a group commit of
 * runs, their node traces and values held the event loop while SQLite wrote
 * them (a seventh of a served request's CPU). The statements are compiled here
 * and bound there. A transaction holds this process's lock on the file
 * (sqlite-kysely.ts) until it has committed, so a write on the main connection
 * waits for it here, asynchronously, rather than in SQLite's busy handler.
 * The thread starts with the first transaction; should it fail, `available`
 * turns false and the store writes on its own connection again.
 */
export class SqliteWriteThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: (changes: number[]) => void; reject: (err: Error) => void }>();
  private next = 0;
  private failure: Error | undefined;
  private exited: Promise<void> = Promise.resolve();
  private checkpointsItself = false;

  /** `committed` is told how many rows each transaction changed (the WalCheckpointer counts them). */
  constructor(
    private readonly file: string,
    private readonly committed: (rows: number) => void = () => {},
  ) {}

  get available(): boolean {
    return this.failure === undefined;
  }

  /** Runs `queries` in one transaction; resolves with each one's changed rows once committed. */
  async transaction(queries: readonly CompiledQuery[]): Promise<number[]> {
    const lock = fileLock(this.file);
    await lock.lock();
    try {
      if (this.failure) throw this.failure;
      const worker = (this.worker ??= this.start());
      const id = this.next++;
      const committed = new Promise<number[]>((resolve, reject) => this.pending.set(id, { resolve, reject }));
      // Only a transaction in flight keeps the process alive, as a query on the main connection would.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, queries: queries.map((q) => [q.sql, q.parameters]) });
      return await committed;
    } finally {
      lock.unlock();
    }
  }

  /** The WalCheckpointer could not run: the thread's connection checkpoints itself again, as SQLite does by default. */
  checkpointItself(): void {
    this.checkpointsItself = true;
    this.worker?.postMessage({ type: 'autocheckpoint', pages: SQLITE_AUTOCHECKPOINT });
  }

  /** Closes the thread's connection once what was sent has committed. */
  async close(): Promise<void> {
    if (this.worker && !this.failure) {
      // Kept alive until its connection has closed (an unreferenced thread would let the process end first).
      this.worker.ref();
      this.worker.postMessage({ type: 'close' });
    }
    this.failure ??= new Error('the store is closed');
    await this.exited;
  }

  private start(): Worker {
    const worker = new Worker(WORKER_FILE, { workerData: { file: this.file, busyTimeoutMs: DATA_FILE_BUSY_TIMEOUT_MS } });
    worker.unref();
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (err) => this.fail(err));
    this.exited = new Promise((resolve) => worker.once('exit', () => (this.fail(new Error("the store's write thread stopped")), resolve())));
    if (this.checkpointsItself) worker.postMessage({ type: 'autocheckpoint', pages: SQLITE_AUTOCHECKPOINT });
    return worker;
  }

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if ('error' in reply) {
      waiting.reject(new SqliteWriteError(reply.error.message, reply.error.code));
      return;
    }
    this.committed(reply.changes.reduce((sum, n) => sum + n, 0));
    waiting.resolve(reply.changes);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }
}
