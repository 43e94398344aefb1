import pg from 'pg';

/** Statement texts named per process at most: past it, a new text runs unnamed (parsed each time) as before. */
const MAX_NAMED = 256;

/** Each statement text with values → its name, once it ran twice (one-off texts stay unnamed). */
const names = new Map<string, string>();
const seenOnce = new Set<string>();

/**
 * A pg client that turns a statement text it sees again into a named prepared
 * statement (pg's `{name, text, values}`): each connection parses and plans it
 * once, then only binds new values. Kysely sends every query unnamed, so
 * PostgreSQL parsed and planned each of a worker's per-case statements (its
 * cache lookup, its case + run insert) every time. Only texts with values are
 * named, and at most MAX_NAMED of them, so a stream of one-off texts cannot
 * fill the server's memory. Behind a pooler in transaction mode, named
 * statements need PgBouncer 1.21+ (`max_prepared_statements`).
 */
export class NamedStatementClient extends pg.Client {
  override query(config: unknown, values?: unknown, callback?: unknown): never {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0 && typeof callback !== 'function') {
      const name = nameOf(config);
      if (name) return super.query({ name, text: config, values } as pg.QueryConfig) as never;
    }
    return (super.query as (...args: unknown[]) => never)(config, values, callback);
  }
}

function nameOf(text: string): string | undefined {
  const name = names.get(text);
  if (name !== undefined || names.size >= MAX_NAMED) return name;
  if (!seenOnce.has(text)) {
    // Only a filter for one-off texts: once full it starts again, so a hot text first seen late is still named.
    if (seenOnce.size >= MAX_NAMED * 4) seenOnce.clear();
    seenOnce.add(text);
    return undefined;
  }
  seenOnce.delete(text);
  const named = `patchbay_${names.size + 1}`;
  names.set(text, named);
  return named;
}
