import type { StoreDb } from './dialect';

/**
 * What tells one store from another, the same for every process that opens it: its first migration
 * and when it ran (ms), from `schema_migrations`. A scaled-out process claims its queue for it
 * (queue/queue-owner.ts), so a Redis database never carries the jobs of two stores.
 */
export async function storeIdentity(db: StoreDb): Promise<string> {
  const first = await db.selectFrom('schema_migrations').select(['id', 'applied_at']).orderBy('applied_at').orderBy('id').limit(1).executeTakeFirst();
  return first ? `${first.id}@${first.applied_at}` : 'empty';
}
