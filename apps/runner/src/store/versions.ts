import type { Selectable } from 'kysely';
import type { Database } from './schema';
import { toPage, type Page, type PageRequest } from './paging';
import { decodeVersionCursor, forUpdate, isUniqueViolation, isVersionNumber, type StoreDb } from './dialect';
import { PreparedQuery } from './prepared';
import { ReadCache, type ChangeClock } from './read-cache';

/** A validation problem as stored with a version (the shape of core's validatePipeline problems). */
export interface StoredProblem {
  path: string;
  code: string;
  message: string;
  nodes?: string[];
}

export interface VersionSummary {
  pipeline: string;
  number: number;
  parent: number | null;
  message: string;
  createdAt: string;
  contentHash: string;
  behaviorHash: string;
  problems: StoredProblem[];
}

/** An immutable saved version (DESIGN.md, Versions). */
export interface VersionRecord extends VersionSummary {
  document: unknown;
}

export interface NewVersion {
  pipeline: string;
  document: unknown;
  message: string;
  /** The version the edit started from; null for a new pipeline. */
  baseVersion: number | null;
  contentHash: string;
  behaviorHash: string;
  problems: StoredProblem[];
}

export type SaveResult =
  | { status: 'created'; version: VersionRecord }
  /** The base is not the latest (or a new pipeline's name is taken): nothing was saved. */
  | { status: 'conflict'; latest: number }
  | { status: 'not-found' };

export interface VersionStore {
  /** Saves atomically: compares the base with the latest and inserts in one write transaction. */
  save(input: NewVersion): Promise<SaveResult>;
  /** Newest first, without documents, a page at a time. */
  list(pipeline: string, page: PageRequest): Promise<Page<VersionSummary>>;
  get(pipeline: string, number: number): Promise<VersionRecord | undefined>;
  latest(pipeline: string): Promise<VersionRecord | undefined>;
}

/** A versions row as the store reads it (lists leave the document out). */
type VersionRow = Selectable<Database['versions']>;

export function toSummary(r: Omit<VersionRow, 'document'>): VersionSummary {
  return {
    pipeline: r.pipeline,
    number: r.number,
    parent: r.parent,
    message: r.message,
    createdAt: new Date(r.created_at).toISOString(),
    contentHash: r.content_hash,
    behaviorHash: r.behavior_hash,
    problems: JSON.parse(r.problems),
  };
}

export const toRecord = (r: VersionRow): VersionRecord => ({ ...toSummary(r), document: JSON.parse(r.document) });

type VersionKey = { number: number; content_hash: string };

const SUMMARY = ['pipeline', 'number', 'parent', 'message', 'created_at', 'content_hash', 'behavior_hash', 'problems'] as const;

// Every run of a stored pipeline looks its version up: these two are compiled once (prepared.ts).
const keyOf = new PreparedQuery<[string, number], VersionKey>(2, (db, pipeline, number) =>
  db.selectFrom('versions').select(['number', 'content_hash']).where('pipeline', '=', pipeline).where('number', '=', number),
);
const latestKey = new PreparedQuery<[string], VersionKey>(1, (db, pipeline) =>
  db
    .selectFrom('versions as v')
    .innerJoin('pipelines as p', (j) => j.onRef('p.name', '=', 'v.pipeline').onRef('p.latest_version', '=', 'v.number'))
    .select(['v.number', 'v.content_hash'])
    .where('p.name', '=', pipeline),
);

/** Parsed versions kept in memory: a version never changes, and a run of "the latest" should not re-parse its document. */
const CACHE_SIZE = 256;

export class KyselyVersionStore implements VersionStore {
  /** Keyed by pipeline, number and content hash, so a pipeline deleted and re-created (by any process) never hits a stale entry. */
  private readonly cache = new Map<string, VersionRecord>();
  /** Which version `get` and `latest` find, asked on every served request: kept until a version, label or pipeline is written (read-cache.ts). */
  private readonly lookups: ReadCache<VersionRecord | undefined>;

  constructor(
    private readonly db: StoreDb,
    clock?: ChangeClock,
  ) {
    this.lookups = new ReadCache(clock);
  }

  /**
   * The pipeline row is read locked (FOR UPDATE on PostgreSQL; SQLite's
   * BEGIN IMMEDIATE holds the write lock) before its latest number is compared
   * with the base, so of any number of saves on one base, in any number of
   * processes, exactly one commits; the rest see the new latest. Two saves
   * creating one new pipeline on PostgreSQL race on its primary key instead.
   */
  async save(input: NewVersion): Promise<SaveResult> {
    try {
      return await this.db.transaction().execute(async (tx): Promise<SaveResult> => {
        const current = await forUpdate(tx, tx.selectFrom('pipelines').select('latest_version').where('name', '=', input.pipeline)).executeTakeFirst();
        const latest = current?.latest_version;
        if (input.baseVersion === null) {
          if (latest !== undefined) return { status: 'conflict', latest };
        } else if (latest === undefined) {
          return { status: 'not-found' };
        } else if (latest !== input.baseVersion) {
          return { status: 'conflict', latest };
        }
        const number = (latest ?? 0) + 1;
        const now = Date.now();
        const doc = input.document as { title?: unknown; description?: unknown };
        const title = typeof doc?.title === 'string' ? doc.title : null;
        const description = typeof doc?.description === 'string' ? doc.description : null;
        if (latest === undefined) {
          await tx.insertInto('pipelines').values({ name: input.pipeline, title, description, latest_version: number, created_at: now, updated_at: now }).execute();
        } else {
          await tx.updateTable('pipelines').set({ title, description, latest_version: number, updated_at: now }).where('name', '=', input.pipeline).execute();
        }
        const row = {
          pipeline: input.pipeline,
          number,
          parent: input.baseVersion,
          message: input.message,
          created_at: now,
          content_hash: input.contentHash,
          behavior_hash: input.behaviorHash,
          document: JSON.stringify(input.document),
          problems: JSON.stringify(input.problems),
        };
        await tx.insertInto('versions').values(row).execute();
        return { status: 'created', version: toRecord(row) };
      });
    } catch (err) {
      if (isUniqueViolation(err) && input.baseVersion === null) {
        const latest = await this.db.selectFrom('pipelines').select('latest_version').where('name', '=', input.pipeline).executeTakeFirst();
        if (latest) return { status: 'conflict', latest: latest.latest_version };
      }
      throw err;
    }
  }

  async list(pipeline: string, { limit, cursor }: PageRequest) {
    let q = this.db.selectFrom('versions').select(SUMMARY).where('pipeline', '=', pipeline);
    if (cursor !== undefined) q = q.where('number', '<', decodeVersionCursor(cursor));
    const rows = await q.orderBy('number', 'desc').limit(limit + 1).execute();
    return toPage(rows, limit, (r) => [r.number], toSummary);
  }

  get(pipeline: string, number: number) {
    if (!isVersionNumber(number)) return Promise.resolve(undefined);
    return this.lookups.get(`${pipeline}\u0000${number}`, async () => this.cached(pipeline, (await keyOf.execute(this.db, pipeline, number)).rows[0]));
  }

  latest(pipeline: string) {
    return this.lookups.get(`${pipeline}\u0000latest`, async () => this.cached(pipeline, (await latestKey.execute(this.db, pipeline)).rows[0]));
  }

  private async cached(pipeline: string, key: VersionKey | undefined): Promise<VersionRecord | undefined> {
    if (!key) return undefined;
    const id = `${pipeline}@${key.number}#${key.content_hash}`;
    let record = this.cache.get(id);
    if (!record) {
      const row = await this.db.selectFrom('versions').selectAll().where('pipeline', '=', pipeline).where('number', '=', key.number).executeTakeFirst();
      if (!row) return undefined;
      record = toRecord(row);
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(id, record);
    }
    return record;
  }
}
