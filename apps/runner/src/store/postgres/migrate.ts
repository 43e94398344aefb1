import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema';
import { postgresMigrations, type PostgresMigration } from './migrations/index';

/** Any fixed number: the advisory lock every migrating process takes. */
const MIGRATION_LOCK = 0x70617463; // "patc"

/**
 * Applies every migration not yet recorded in `schema_migrations`, in id order,
 * in one transaction under an advisory lock: several server processes and
 * workers starting at once migrate once, and the others wait for it.
 */
export async function migratePostgres(db: Kysely<Database>, migrations: readonly PostgresMigration[] = postgresMigrations): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(tx);
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`.execute(tx);
    const applied = new Set((await tx.selectFrom('schema_migrations').select('id').execute()).map((r) => r.id));
    const pending = [...migrations].filter((m) => !applied.has(m.id)).sort((a, b) => a.id.localeCompare(b.id));
    for (const m of pending) {
      await m.up(tx);
      await tx.insertInto('schema_migrations').values({ id: m.id, applied_at: Date.now() }).execute();
    }
    return pending.map((m) => m.id);
  });
}

/**
 * The ids of `migrations` not yet recorded, in the order they apply, and whether none is (no runner ever
 * started on the database): read without writing, for a command that only reads (it migrates nothing).
 */
export async function pendingPostgresMigrations(db: Kysely<Database>, migrations: readonly PostgresMigration[] = postgresMigrations): Promise<{ pending: string[]; empty: boolean }> {
  const found = await sql<{ name: string | null }>`SELECT to_regclass('schema_migrations')::text AS name`.execute(db);
  const applied = found.rows[0]?.name ? new Set((await db.selectFrom('schema_migrations').select('id').execute()).map((r) => r.id)) : new Set<string>();
  const pending = migrations.map((m) => m.id).filter((id) => !applied.has(id)).sort((a, b) => a.localeCompare(b));
  return { pending, empty: applied.size === 0 };
}
