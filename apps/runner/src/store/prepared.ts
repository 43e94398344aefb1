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
