import type { StoreDb } from './dialect';

export interface ServingKeyInfo {
  name: string;
  /** The pipelines it may call; null: every pipeline. */
  pipelines: string[] | null;
  /** ISO 8601. */
  createdAt: string;
  lastUsedAt: string | null;
}

/** A key as the auth check reads it: its hash, never the key. */
export interface StoredKeyHash {
  name: string;
  hash: Buffer;
  pipelines: string[] | null;
}

export interface KeyStore {
  /** False when the name is taken. */
  create(key: { name: string; hash: string; pipelines: string[] | null; createdAt: number }): Promise<boolean>;
  list(): Promise<ServingKeyInfo[]>;
  /** Revoking forgets the key: it is then unknown. False when there was none. */
  revoke(name: string): Promise<boolean>;
  /** Every live key's hash, for a constant-time comparison with each. */
  hashes(): Promise<StoredKeyHash[]>;
  touch(name: string, at: number): Promise<void>;
}

const pipelinesOf = (text: string | null) => (text === null ? null : (JSON.parse(text) as string[]));

export class KyselyKeyStore implements KeyStore {
  constructor(private readonly db: StoreDb) {}

  async create(key: { name: string; hash: string; pipelines: string[] | null; createdAt: number }) {
    const result = await this.db
      .insertInto('serving_keys')
      .values({ name: key.name, hash: key.hash, pipelines: key.pipelines ? JSON.stringify(key.pipelines) : null, created_at: key.createdAt })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async list() {
    const rows = await this.db.selectFrom('serving_keys').selectAll().orderBy('name').execute();
    return rows.map((r) => ({
      name: r.name,
      pipelines: pipelinesOf(r.pipelines),
      createdAt: new Date(r.created_at).toISOString(),
      lastUsedAt: r.last_used_at === null ? null : new Date(r.last_used_at).toISOString(),
    }));
  }

  async revoke(name: string) {
    const result = await this.db.deleteFrom('serving_keys').where('name', '=', name).executeTakeFirst();
    return result.numDeletedRows === 1n;
  }

  async hashes() {
    const rows = await this.db.selectFrom('serving_keys').select(['name', 'hash', 'pipelines']).execute();
    return rows.map((r) => ({ name: r.name, hash: Buffer.from(r.hash, 'hex'), pipelines: pipelinesOf(r.pipelines) }));
  }

  async touch(name: string, at: number) {
    await this.db.updateTable('serving_keys').set({ last_used_at: at }).where('name', '=', name).execute();
  }
}
