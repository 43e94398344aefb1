// The response cache's checkpoint thread (see wal-checkpointer.ts): on each message, copies what the
// WAL holds into the database file on its own connection. Plain JavaScript so it starts without a
// TypeScript loader.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const Database = createRequire(import.meta.url)('better-sqlite3');
const db = new Database(workerData.file, { fileMustExist: true });

// PASSIVE: never waits for, nor blocks, the readers and the writer on other connections.
parentPort.on('message', () => db.pragma('wal_checkpoint(PASSIVE)'));
