import { createHash } from 'node:crypto';
import type { StoreDb } from './dialect';

/** What an artifact holds: a retrieval index (a SQLite file) or a workspace config (canonical JSON). */
export type ArtifactKind = 'index' | 'config';

export interface ArtifactName {
  name: string;
  hash: string;
  updatedAt: string;
}

/**
 * Immutable blobs named by the SHA-256 of their bytes, stored once whatever
 * names point at them, and a mutable name → current hash map per kind (#16.5:
 * what scaled-out workers fetch instead of reading a data dir of their own).
 */
export interface ArtifactStore {
  /** Stores `bytes` (once: the same bytes again are the same row) and points `name` at them. */
  publish(kind: ArtifactKind, name: string, bytes: Buffer): Promise<{ hash: string; created: boolean }>;
  /** The bytes stored under `hash`, or undefined. */
  get(hash: string): Promise<Buffer | undefined>;
  /** The hash `name` points at now, or undefined. */
  current(kind: ArtifactKind, name: string): Promise<string | undefined>;
  /** `current` of several names in one query; names with no artifact are absent. */
  currentOf(kind: ArtifactKind, names: string[]): Promise<Map<string, string>>;
  /** Every name of a kind, by name. */
  names(kind: ArtifactKind): Promise<ArtifactName[]>;
  /** Removes a name (its artifact stays: a job pinned to it may still fetch it). False when there was none. */
  unname(kind: ArtifactKind, name: string): Promise<boolean>;
}

export const artifactHash = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export class KyselyArtifactStore implements ArtifactStore {
  constructor(private readonly db: StoreDb) {}

  async publish(kind: ArtifactKind, name: string, bytes: Buffer): Promise<{ hash: string; created: boolean }> {
    const hash = artifactHash(bytes);
    const now = Date.now();
    const created = await this.db.transaction().execute(async (tx) => {
      // The same bytes under another name (or published twice at once) are the same row: the first writer's.
      const inserted = await tx
        .insertInto('artifacts')
        .values({ hash, kind, size: bytes.length, bytes, created_at: now })
        .onConflict((oc) => oc.column('hash').doNothing())
        .executeTakeFirst();
      await tx
        .insertInto('artifact_names')
        .values({ kind, name, hash, updated_at: now })
        .onConflict((oc) => oc.columns(['kind', 'name']).doUpdateSet({ hash, updated_at: now }))
        .execute();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
    });
    return { hash, created };
  }

  async get(hash: string): Promise<Buffer | undefined> {
    const row = await this.db.selectFrom('artifacts').select('bytes').where('hash', '=', hash).executeTakeFirst();
    return row ? Buffer.from(row.bytes) : undefined;
  }

  async current(kind: ArtifactKind, name: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('artifact_names').select('hash').where('kind', '=', kind).where('name', '=', name).executeTakeFirst();
    return row?.hash;
  }

  async currentOf(kind: ArtifactKind, names: string[]): Promise<Map<string, string>> {
    if (names.length === 0) return new Map();
    const rows = await this.db.selectFrom('artifact_names').select(['name', 'hash']).where('kind', '=', kind).where('name', 'in', names).execute();
    return new Map(rows.map((r) => [r.name, r.hash]));
  }

  async names(kind: ArtifactKind): Promise<ArtifactName[]> {
    const rows = await this.db.selectFrom('artifact_names').select(['name', 'hash', 'updated_at']).where('kind', '=', kind).orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, hash: r.hash, updatedAt: new Date(r.updated_at).toISOString() }));
  }

  async unname(kind: ArtifactKind, name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('artifact_names').where('kind', '=', kind).where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
