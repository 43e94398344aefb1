import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ToolCallOptions } from '../../engine/services';
import type { Tool } from './tool';
import { untilAborted } from '../until-aborted';

export interface SqlQueryToolOptions {
  name: string;
  description?: string;
  /** Absolute path of the SQLite file. */
  database: string;
  /** Rows returned at most; the rest are cut and `truncated` is true. Default 200. */
  maxRows?: number;
  /** Longest a query may run when its node sets no timeoutMs. Default 30 s. */
  timeoutMs?: number;
  /** JSON size of the rows at most; past it the query fails. Default 10 MB. */
  maxBytes?: number;
}

const PROCESS_FILE = fileURLToPath(new URL('./sql-query-process.mjs', import.meta.url));
/** The query process's memory (resident) at most; its watchdog ends it past this with SIGUSR2. */
const MAX_RSS_MB = 512;

/**
 * A read-only `sql_query`-style tool on one SQLite file: `{sql, params?}` →
 * `{columns, rows, truncated}`. Read-only three times over: the file is opened
 * read-only, and a statement must both return rows (`reader`) and write nothing
 * (`readonly`), which refuses INSERT … RETURNING, ATTACH and PRAGMA writes.
 * Queries run in a child process, one at a time: a recursive CTE that never ends
 * holds that process, not the runner, and a deadline or cancel kills it
 * (better-sqlite3 has no progress handler or interrupt, and a worker thread
 * inside sqlite3_step cannot be terminated). The process starts on first use.
 */
export function createSqlQueryTool(options: SqlQueryToolOptions): Tool & { close(): void } {
  const maxRows = options.maxRows ?? 200;
  const ownTimeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  let worker: ChildProcess | null = null;
  let nextId = 0;
  /** The query on the worker now, then the ones waiting their turn. */
  let turn: Promise<void> = Promise.resolve();
  let busy = false;

  const start = () => {
    const child = fork(PROCESS_FILE, [options.database, String(MAX_RSS_MB)], { execArgv: ['--max-old-space-size=512'], stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'advanced' });
    // Idle, the process must not keep the runner alive; a query holds it (see run).
    child.unref();
    child.channel?.unref();
    child.on('error', () => {}); // reported to the query in flight through 'exit'
    return child;
  };
  const kill = (child: ChildProcess) => {
    if (worker === child) worker = null;
    child.kill('SIGKILL');
  };

  const run = (query: { sql: string; params: unknown }, signal?: AbortSignal): Promise<unknown> => {
    const w = (worker ??= start());
    const id = ++nextId;
    w.channel?.ref();
    return new Promise((resolve, reject) => {
      const stop = (reason: unknown) => {
        cleanup();
        // The statement cannot be interrupted: end the process; the next query starts a fresh one.
        kill(w);
        reject(reason);
      };
      const timer = setTimeout(() => stop(new Error(`the query ran past ${ownTimeoutMs} ms and was stopped`)), ownTimeoutMs);
      const onAbort = () => stop(signal!.reason ?? new Error('the query was cancelled'));
      const onMessage = ({ id: answered, error, ...result }: { id: number; error?: string; columns: string[]; rows: unknown[]; truncated: boolean }) => {
        if (answered !== id) return;
        cleanup();
        if (error !== undefined) reject(new Error(error));
        else resolve(result);
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        if (worker === w) worker = null;
        if (signal === 'SIGUSR2') reject(new Error(`query failed: the query needed more than ${MAX_RSS_MB} MB of memory and was stopped`));
        else reject(new Error(`the query process stopped (${signal ?? `exit code ${code}`}); was the result too large?`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        w.off('message', onMessage);
        w.off('exit', onExit);
        w.channel?.unref();
      };
      w.on('message', onMessage);
      w.on('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      w.send({ id, sql: query.sql, params: query.params, maxRows, maxBytes });
    });
  };

  return {
    spec: {
      name: options.name,
      description: options.description ?? `Runs a read-only SQL SELECT query on the SQLite database ${options.name} and returns at most ${maxRows} rows.`,
      parameters: {
        type: 'object',
        properties: {
          sql: { type: 'string', minLength: 1, description: 'One SELECT statement; use ? or :name placeholders for values' },
          params: {
            description: 'Values for the placeholders: an array for ?, an object for :name',
            anyOf: [{ type: 'array' }, { type: 'object' }],
          },
        },
        required: ['sql'],
        additionalProperties: false,
      },
    },
    async call(args, callOptions: ToolCallOptions = {}) {
      const { signal, onWaiting } = callOptions;
      signal?.throwIfAborted();
      // One query at a time per file: a later one waits its turn, and that wait counts against its node's timeoutMs.
      const previous = turn;
      let done!: () => void;
      turn = new Promise<void>((resolve) => (done = resolve));
      let started = false;
      try {
        if (busy) {
          onWaiting?.(`the database ${options.name} (a query ahead of it is still running)`);
          await untilAborted(previous, signal);
          onWaiting?.(null);
        } else {
          await previous;
        }
        busy = started = true;
        return await run({ sql: String(args.sql), params: args.params ?? [] }, signal);
      } finally {
        // A call that gave up waiting passes its turn on only once the one ahead is done.
        if (started) {
          busy = false;
          done();
        } else {
          void previous.then(done);
        }
      }
    },
    close() {
      if (worker) kill(worker);
    },
  };
}

/**
 * `sql_query {database, sql, params?}`: the same read-only query on whichever
 * configured database the caller names, for pipelines and models that use one
 * tool for every database. `database` is an enum of the configured names, so
 * the JSON Schema tells a model which files exist.
 */
export function createSqlQueryByNameTool(databases: Tool[]): Tool {
  const byName = new Map(databases.map((t) => [t.spec.name, t]));
  const names = [...byName.keys()];
  return {
    spec: {
      name: 'sql_query',
      description: `Runs a read-only SQL SELECT query on one of the SQLite databases (${names.join(', ')}) and returns its rows.`,
      parameters: {
        type: 'object',
        properties: {
          database: { type: 'string', enum: names, description: 'Which database to query' },
          sql: { type: 'string', minLength: 1, description: 'One SELECT statement; use ? or :name placeholders for values' },
          params: {
            description: 'Values for the placeholders: an array for ?, an object for :name',
            anyOf: [{ type: 'array' }, { type: 'object' }],
          },
        },
        required: ['database', 'sql'],
        additionalProperties: false,
      },
    },
    call({ database, ...query }, options) {
      // The schema's enum already limits `database`; the lookup cannot miss after validation.
      return byName.get(String(database))!.call(query, options);
    },
  };
}
