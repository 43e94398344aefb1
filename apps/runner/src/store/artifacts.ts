import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { StoreDb } from './dialect';
import type { Database } from './schema';

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
  /** Removes a name (its artifact stays a while: a job pinned to it may still fetch it). False when there was none. */
  unname(kind: ArtifactKind, name: string): Promise<boolean>;
  /**
   * Deletes the artifacts no name has pointed at since before `releasedBefore` (ms since the epoch).
   * Every publish does this with ARTIFACT_RETAIN_MS; a caller may ask sooner.
   */
  prune(releasedBefore: number): Promise<{ artifacts: number; bytes: number }>;
}

/**
 * How long an artifact no name points at is kept: at least as long as an eval keeps the pins it
 * started with (a week: evals/queued-case-queue.ts), so a resumed eval still finds its indexes.
 */
export const ARTIFACT_RETAIN_MS = 7 * 86_400_000;

export const artifactHash = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export class KyselyArtifactStore implements ArtifactStore {
  constructor(private readonly db: StoreDb) {}

  async publish(kind: ArtifactKind, name: string, bytes: Buffer): Promise<{ hash: string; created: boolean }> {
    const hash = artifactHash(bytes);
    const now = Date.now();
    const created = await this.db.transaction().execute(async (tx) => {
      const before = await tx.selectFrom('artifact_names').select('hash').where('kind', '=', kind).where('name', '=', name).executeTakeFirst();
      // Named (again): in use, whenever it was released before. This update comes first and always writes, so it
      // holds the row lock: a prune in another process (READ COMMITTED) then waits for this publish and, re-reading
      // released_at, keeps the row; an insert `on conflict do nothing` would lock nothing, and the row could be
      // deleted between it and the naming below.
      const kept = await tx.updateTable('artifacts').set({ released_at: null }).where('hash', '=', hash).executeTakeFirst();
      // Not stored (or a prune just deleted it): store it. The same bytes published at once by another process are
      // the same row, the first writer's, unreleased.
      const inserted =
        Number(kept.numUpdatedRows) > 0
          ? undefined
          : await tx.insertInto('artifacts').values({ hash, kind, size: bytes.length, bytes, created_at: now }).onConflict((oc) => oc.column('hash').doNothing()).executeTakeFirst();
      await tx
        .insertInto('artifact_names')
        .values({ kind, name, hash, updated_at: now })
        .onConflict((oc) => oc.columns(['kind', 'name']).doUpdateSet({ hash, updated_at: now }))
        .execute();
      if (before && before.hash !== hash) await release(tx, before.hash, now);
      await prune(tx, now - ARTIFACT_RETAIN_MS);
      return Number(inserted?.numInsertedOrUpdatedRows ?? 0) > 0;
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
    return this.db.transaction().execute(async (tx) => {
      const removed = await tx.deleteFrom('artifact_names').where('kind', '=', kind).where('name', '=', name).returning('hash').executeTakeFirst();
      if (removed) await release(tx, removed.hash, Date.now());
      return removed !== undefined;
    });
  }

  prune(releasedBefore: number): Promise<{ artifacts: number; bytes: number }> {
    return this.db.transaction().execute((tx) => prune(tx, releasedBefore));
  }
}

type Tx = Transaction<Database>;

/** Marks `hash` released at `now` unless another name still points at it. */
async function release(tx: Tx, hash: string, now: number): Promise<void> {
  await tx
    .updateTable('artifacts')
    .set({ released_at: now })
    .where('hash', '=', hash)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('artifact_names').select('hash').where('artifact_names.hash', '=', hash))))
    .execute();
}

/** Deletes what no name has pointed at since before `releasedBefore` (and still none does). */
async function prune(tx: Tx, releasedBefore: number): Promise<{ artifacts: number; bytes: number }> {
  const gone = await tx
    .deleteFrom('artifacts')
    .where('released_at', '<', releasedBefore)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('artifact_names').select('hash').whereRef('artifact_names.hash', '=', 'artifacts.hash'))))
    .returning('size')
    .execute();
  return { artifacts: gone.length, bytes: gone.reduce((sum, row) => sum + Number(row.size), 0) };
}
