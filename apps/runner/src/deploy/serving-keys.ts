import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyStore, Store, StoredKeyHash } from '../store/index';
import { DomainError } from '../domain-errors';

export const KEY_PREFIX = 'pbk_';
export const KEY_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * A new serving key: shown once (only its SHA-256 is stored). Its scope names
 * pipelines that exist (a typo would make a key that can call nothing it was meant for).
 */
export async function createServingKey(store: Pick<Store, 'keys' | 'pipelines'>, request: { name: string; pipelines?: string[] | null }) {
  const { keys } = store;
  // Only a missing list means every pipeline: an empty one stays empty (a key that may call nothing), never widened to all.
  const pipelines = request.pipelines ? [...new Set(request.pipelines)] : null;
  for (const [i, pipeline] of (request.pipelines ?? []).entries()) {
    if (!(await store.pipelines.get(pipeline))) {
      const message = `there is no pipeline "${pipeline}" for the key to call`;
      throw new DomainError('pipeline-not-found', message, { errors: [{ path: `$.pipelines[${i}]`, message }] });
    }
  }
  const key = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  const createdAt = Date.now();
  if (!(await keys.create({ name: request.name, hash: hashKey(key), pipelines, createdAt }))) {
    const message = `there is already a serving key named "${request.name}"; revoke it first or pick another name`;
    throw new DomainError('key-exists', message, { errors: [{ path: '$.name', message }] });
  }
  return { name: request.name, key, pipelines, createdAt: new Date(createdAt).toISOString() };
}

/**
 * The serving keys as GET /api/keys and `patchbay keys list` show them: each with `missing`, the pipelines of its
 * scope that do not exist now (deleted since the key was made). Serving follows the name, so such a key calls a
 * pipeline made again under it (docs/deploy.md says why): the list is where an admin sees the gap until then.
 */
export async function listServingKeys(store: Pick<Store, 'keys' | 'pipelines'>) {
  const keys = await store.keys.list();
  const scoped = [...new Set(keys.flatMap((k) => k.pipelines ?? []))];
  const gone = new Set((await Promise.all(scoped.map(async (name) => ((await store.pipelines.get(name)) ? null : name)))).filter((name) => name !== null));
  return keys.map((k) => ({ ...k, missing: (k.pipelines ?? []).filter((name) => gone.has(name)) }));
}

export async function revokeServingKey(keys: KeyStore, name: string): Promise<void> {
  if (!(await keys.revoke(name))) throw new DomainError('key-not-found', `there is no serving key named "${name}"`);
}

/**
 * The live key a presented one is, or undefined. Its hash is compared with
 * every stored hash in constant time (no early exit), so timing says nothing
 * about which bytes matched.
 */
export async function findServingKey(keys: KeyStore, presented: string): Promise<StoredKeyHash | undefined> {
  const digest = Buffer.from(hashKey(presented), 'hex');
  let found: StoredKeyHash | undefined;
  for (const stored of await keys.hashes()) {
    if (stored.hash.length === digest.length && timingSafeEqual(stored.hash, digest)) found = stored;
  }
  return found;
}
