// The read-only SQL tool's child process: one database file (argv[2]), one query at a time.
// Plain JavaScript so it starts without a TypeScript loader. A query that runs too long is
// not interrupted here: the host kills this process (deadline, cancel). Not a worker thread:
// a thread inside sqlite3_step cannot be terminated (and then even process.exit hangs).
// Answers each {id, sql, params, maxRows, maxBytes} with {id, columns, rows, truncated} | {id, error}.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';

// A watchdog on its own thread: when the runner dies (even by kill -9) while a query spins
// inside SQLite, this thread still runs and ends the process, so no orphan burns a core.
// It also bounds the process's memory (argv[3], MB): SQLite's own allocations (a sort of
// large blobs) are outside V8's heap limit, and this build of SQLite does not enforce
// hard_heap_limit (no memory statistics). Past the bound it ends the process with SIGUSR2,
// which the host reads as "used too much memory".
new Worker(
  `const { workerData: { parent, maxRss } } = require('node:worker_threads');
   let tick = 0;
   setInterval(() => {
     if (process.memoryUsage.rss() > maxRss) process.kill(process.pid, 'SIGUSR2');
     if (++tick % 5 === 0 && process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
   }, 100);`,
  { eval: true, workerData: { parent: process.ppid, maxRss: Number(process.argv[3]) * 1024 * 1024 } },
).unref();

const workerData = { database: process.argv[2] };

let db = null;

function open() {
  if (db) return db;
  if (!existsSync(workerData.database)) throw new Error(`database file ${workerData.database} does not exist`);
  db = new Database(workerData.database, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 2000');
  return db;
}

/** BLOBs become base64 and big integers strings, so a row is plain JSON. */
function jsonRow(row) {
  const out = {};
  for (const [k, v] of Object.entries(row)) out[k] = Buffer.isBuffer(v) ? v.toString('base64') : typeof v === 'bigint' ? String(v) : v;
  return out;
}

function query({ sql, params, maxRows, maxBytes }) {
  const conn = open();
  let stmt;
  try {
    stmt = conn.prepare(sql);
  } catch (err) {
    throw new Error(`bad SQL: ${err.message}`);
  }
  if (!stmt.reader || !stmt.readonly) throw new Error('only read-only SELECT queries are allowed');
  const rows = [];
  let truncated = false;
  let bytes = 0;
  try {
    for (const row of stmt.iterate(...(Array.isArray(params) ? params : [params]))) {
      if (rows.length === maxRows) {
        truncated = true;
        break; // leaving the iterator resets the statement
      }
      const json = jsonRow(row);
      // Counted as it grows: one randomblob(1e8) must fail here, not after 133 MB crossed to the runner.
      bytes += JSON.stringify(json).length;
      if (bytes > maxBytes) throw new Error(`the result is over the output limit of ${maxBytes} bytes (limits.maxOutputBytes); select fewer or smaller rows`);
      rows.push(json);
    }
  } catch (err) {
    if (err.message.startsWith('the result is over')) throw err;
    throw new Error(`query failed: ${err.message}`);
  }
  return { columns: stmt.columns().map((c) => c.name), rows, truncated };
}

process.on('message', (job) => {
  try {
    process.send({ id: job.id, ...query(job) });
  } catch (err) {
    process.send({ id: job.id, error: err.message });
  }
});
// The runner went away (even by kill -9): nothing left to answer.
process.on('disconnect', () => process.exit(0));
