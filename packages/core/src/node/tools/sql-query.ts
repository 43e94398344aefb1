import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Tool } from './tool';

export interface SqlQueryToolOptions {
  name: string;
  description?: string;
  /** Absolute path of the SQLite file. */
  database: string;
  /** Rows returned at most; the rest are cut and `truncated` is true. Default 200. */
  maxRows?: number;
}

/**
 * A read-only `sql_query`-style tool on one SQLite file: `{sql, params?}` →
 * `{columns, rows, truncated}`. Read-only three times over: the file is opened
 * read-only, and a statement must both return rows (`reader`) and write nothing
 * (`readonly`), which refuses INSERT … RETURNING, ATTACH and PRAGMA writes.
 */
export function createSqlQueryTool(options: SqlQueryToolOptions): Tool & { close(): void } {
  const maxRows = options.maxRows ?? 200;
  let db: Database.Database | null = null;

  function open(): Database.Database {
    if (db) return db;
    if (!existsSync(options.database)) throw new Error(`database file ${options.database} does not exist`);
    db = new Database(options.database, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 2000');
    return db;
  }

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
    async call(args) {
      const conn = open();
      let stmt: Database.Statement;
      try {
        stmt = conn.prepare(String(args.sql));
      } catch (err) {
        throw new Error(`bad SQL: ${(err as Error).message}`);
      }
      if (!stmt.reader || !stmt.readonly) throw new Error('only read-only SELECT queries are allowed');
      const params = args.params ?? [];
      const rows: Record<string, unknown>[] = [];
      let truncated = false;
      try {
        for (const row of stmt.iterate(...(Array.isArray(params) ? params : [params])) as Iterable<Record<string, unknown>>) {
          if (rows.length === maxRows) {
            truncated = true;
            break; // leaving the iterator resets the statement
          }
          rows.push(jsonRow(row));
        }
      } catch (err) {
        throw new Error(`query failed: ${(err as Error).message}`);
      }
      return { columns: stmt.columns().map((c) => c.name), rows, truncated };
    },
    close() {
      db?.close();
      db = null;
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

/** BLOBs become base64 and big integers strings, so a row is plain JSON. */
function jsonRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = Buffer.isBuffer(v) ? v.toString('base64') : typeof v === 'bigint' ? String(v) : v;
  return out;
}
