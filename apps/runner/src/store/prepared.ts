import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import { isPostgres, type StoreDb } from './dialect';

/**
 * A query on the hot path built and compiled once per database kind, then run
 * with new values. Kysely builds and compiles a query each time it runs; on a
 * run's write and read path that cost more than the SQLite statement itself.
 * `build` gets one marker per value and puts each where its value goes (the
 * marker is a string: cast it to the column's type).
 */
export class PreparedQuery<A extends unknown[], R = unknown> {
  private readonly compiled = new Map<boolean, { query: CompiledQuery<R>; slots: number[] }>();

  constructor(
    private readonly arity: number,
    private readonly build: (db: StoreDb, ...values: never[]) => Compilable<R>,
  ) {}

  execute(db: StoreDb, ...values: A): Promise<QueryResult<R>> {
    const { query, slots } = this.compile(db);
    return db.executeQuery<R>({ ...query, parameters: slots.map((slot, i) => (slot < 0 ? query.parameters[i] : values[slot])) });
  }

  private compile(db: StoreDb) {
    const postgres = isPostgres(db);
    let compiled = this.compiled.get(postgres);
    if (!compiled) {
      const marks = Array.from({ length: this.arity }, (_, i) => `\u0000prepared value ${i}`);
      const query = this.build(db, ...(marks as never[])).compile();
      const slots = query.parameters.map((p) => marks.indexOf(p as string));
      // Every value must land in the statement exactly once, or a call would bind the wrong ones.
      if (marks.some((_, i) => slots.filter((s) => s === i).length !== 1)) throw new Error(`a prepared query must use each of its ${this.arity} values once: ${query.sql}`);
      compiled = { query, slots };
      this.compiled.set(postgres, compiled);
    }
    return compiled;
  }
}

/** Row counts a PreparedInsert compiles once; a larger batch is built as Kysely builds any query. */
const MAX_PREPARED_ROWS = 64;

/**
 * A multi-row insert compiled once per row count (a group commit's batches are
 * mostly a few rows), then run with new values. Building one with Kysely parses
 * every row's every column each time: on the worker's write path (a run, its
 * node traces, an eval case, a cached reply per case) that cost more than the
 * statement. `columns` lists every column a row has, in one order; `build`
 * gets rows of markers (as PreparedQuery's) and puts each in its place.
 */
export class PreparedInsert<Row extends Record<string, unknown>, R = unknown> {
  private readonly byCount = new Map<number, PreparedQuery<unknown[], R>>();

  constructor(
    readonly columns: readonly (keyof Row & string)[],
    readonly build: (db: StoreDb, rows: Row[]) => Compilable<R>,
  ) {}

  execute(db: StoreDb, rows: Row[]): Promise<QueryResult<R>> {
    if (rows.length > MAX_PREPARED_ROWS) return db.executeQuery(this.build(db, rows).compile());
    const width = this.columns.length;
    let query = this.byCount.get(rows.length);
    if (!query) {
      const count = rows.length;
      query = new PreparedQuery<unknown[], R>(count * width, (db, ...marks) =>
        this.build(
          db,
          Array.from({ length: count }, (_, r) => Object.fromEntries(this.columns.map((column, c) => [column, marks[r * width + c]])) as unknown as Row),
        ),
      );
      this.byCount.set(count, query);
    }
    const values: unknown[] = [];
    for (const row of rows) for (const column of this.columns) values.push(row[column] ?? null);
    return query.execute(db, ...values);
  }
}
