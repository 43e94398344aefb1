// The thread behind sqlite-write-thread.ts: its own connection to the runner's SQLite file, on which
// each message's statements run as one IMMEDIATE transaction. Plain JavaScript so that it starts
// without the TypeScript loader the CLI registers on the main thread only.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, busyTimeoutMs } = workerData;
const db = new Database(file);
// As data-file.ts opens every data file (journal_mode is the file's, set already); checkpoints are
// the WalCheckpointer's (its own thread), unless it is told that one failed.
db.pragma('synchronous = NORMAL');
db.pragma(`busy_timeout = ${busyTimeoutMs}`);
db.pragma('foreign_keys = ON');
db.pragma('wal_autocheckpoint = 0');

/** Prepared statements by SQL text, the oldest dropped past this many (as sqlite-kysely.ts keeps them). */
const STATEMENT_CACHE = 500;
const statements = new Map();
const prepare = (sql) => {
  let stmt = statements.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value);
    statements.set(sql, stmt);
  }
  return stmt;
};

const run = db.transaction((queries) => queries.map(([sql, parameters]) => prepare(sql).run(parameters).changes));

parentPort.on('message', (message) => {
  if (message.type === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  if (message.type === 'autocheckpoint') {
    db.pragma(`wal_autocheckpoint = ${message.pages}`);
    return;
  }
  try {
    parentPort.postMessage({ id: message.id, changes: run.immediate(message.queries) });
  } catch (err) {
    // An Error's own fields do not survive postMessage; SQLite's code (SQLITE_FULL, …) is what the store reads.
    parentPort.postMessage({ id: message.id, error: { message: String(err?.message ?? err), code: err?.code } });
  }
});
