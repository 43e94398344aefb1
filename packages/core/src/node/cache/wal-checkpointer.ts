import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

const WORKER_FILE = new URL('./wal-checkpoint-worker.mjs', import.meta.url);
/** Rows committed before a checkpoint is worth asking for (small runs leave it to close). */
const ROWS_PER_CHECKPOINT = 256;
/** At most one checkpoint this often: each one syncs both files to disk. */
const MIN_INTERVAL_MS = 1_000;
/** What SQLite's own automatic checkpoint uses (pages), restored when the worker cannot run. */
const SQLITE_AUTOCHECKPOINT = 1000;

/**
 * Checkpoints a WAL-mode SQLite file from a worker thread. SQLite's automatic
 * checkpoint runs inside a commit and syncs the files to disk: on a busy disk
 * that holds the event loop for tens of milliseconds, while every model call
 * and eval case in flight waits. A PASSIVE checkpoint on the worker's own
 * connection blocks neither this thread's reads nor its commits. Should the
 * worker fail, the connection checkpoints itself again as SQLite does by default.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private failed = false;
  private rows = 0;
  private last = 0;

  constructor(private readonly db: Database.Database) {
    db.pragma('wal_autocheckpoint = 0');
  }

  /** Tells it that `rows` rows were just committed on the connection. */
  committed(rows: number): void {
    if (this.failed) return;
    this.rows += rows;
    const now = Date.now();
    if (this.rows < ROWS_PER_CHECKPOINT || now - this.last < MIN_INTERVAL_MS) return;
    this.rows = 0;
    this.last = now;
    (this.worker ??= this.start())?.postMessage('checkpoint');
  }

  /** Ends the worker; the connection's close, the last one on the file, checkpoints what is left. */
  close(): void {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) void worker.terminate();
  }

  private start(): Worker | undefined {
    try {
      const worker = new Worker(WORKER_FILE, { workerData: { file: this.db.name } });
      // A checkpoint never keeps a process alive.
      worker.unref();
      worker.on('error', () => this.fallBack(worker));
      return worker;
    } catch {
      this.fallBack(undefined);
      return undefined;
    }
  }

  private fallBack(worker: Worker | undefined): void {
    if (worker && worker !== this.worker) return;
    this.failed = true;
    this.worker = undefined;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
  }
}
