import { sql } from 'kysely';
import { kyselyStores, type OpenStoreOptions, type Store } from '../index';
import { checkStoreUrl } from '../store-url';
import { StoreNeedsMigratingError } from '../store-needs-migrating';
import { migratePostgres, pendingPostgresMigrations } from './migrate';
import { openPool } from './pool';
import { HealthConnection } from './health-connection';
import { connectReason } from './connect-reason';
import { postgresResponseCache } from './response-cache';
import { StorageHealth } from '../storage-health';

/** Thrown when the database cannot be reached or migrated at start (the CLI says so in one line). */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
  /** What went wrong, without the store's name or what to do (a command that says those itself reads this). */
  constructor(display: string, readonly reason: string, advice?: string) {
    super(`cannot open the store ${display}: ${reason}${advice ? `; ${advice}` : ''}`);
  }
}

/**
 * The runner's store in PostgreSQL (`--store postgres://…`): connects, migrates
 * (once, whichever process comes first), and returns the same Store the SQLite
 * data dir gives, plus the shared response cache. `readOnly` (a command that only
 * lists): nothing is migrated, and its sessions are read-only (the database refuses
 * any write); a database whose schema is behind throws StoreNeedsMigratingError.
 */
export async function openPostgresStore(target: string, options: OpenStoreOptions & { poolSize?: number; log?: (line: string) => void; readOnly?: boolean } = {}): Promise<Store> {
  const { url, display } = checkStoreUrl(target);
  const { db } = openPool(url, { max: options.poolSize, readOnly: options.readOnly });
  try {
    await sql`SELECT 1`.execute(db);
    if (!options.readOnly) await migratePostgres(db);
    else {
      const { pending, empty } = await pendingPostgresMigrations(db);
      if (pending.length > 0) throw new StoreNeedsMigratingError(display, pending, `--store ${display}`, empty);
    }
  } catch (err) {
    await db.destroy().catch(() => {});
    if (err instanceof StoreNeedsMigratingError) throw err;
    const { reason, advice } = connectReason(err, url);
    throw new StoreOpenError(display, reason, advice);
  }
  const healthConnection = new HealthConnection(url);
  const health = new StorageHealth({ ask: () => healthConnection.ask(), reason: (err) => connectReason(err, url).reason });
  const stores = kyselyStores(db, options, health);
  const responseCache = postgresResponseCache(db, display, options.log, options.redact);
  let closed = false;
  return {
    kind: 'postgres',
    location: display,
    ...stores,
    responseCache,
    health,
    async close() {
      if (closed) return;
      closed = true;
      // What is queued is written if the database is still there; a close never hangs on one that is gone.
      await Promise.allSettled([stores.runs.flush(), stores.monitors.flush(), responseCache.close()]);
      await healthConnection.close();
      await db.destroy();
    },
  };
}
