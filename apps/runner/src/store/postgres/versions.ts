import type { Kysely } from 'kysely';
import { toRecord, toSummary, type NewVersion, type SaveResult, type VersionRecord, type VersionStore, type VersionSummary } from '../versions';
import type { Database } from './schema';
import { toPage, type PageRequest } from '../paging';
import { decodeVersionCursor } from './int-cursor';

const SUMMARY = ['pipeline', 'number', 'parent', 'message', 'created_at', 'content_hash', 'behavior_hash', 'problems'] as const;

/** PostgreSQL's unique_violation: a new pipeline's name was taken by a save that committed first. */
const UNIQUE_VIOLATION = '23505';

const CACHE_SIZE = 256;

export class PostgresVersionStore implements VersionStore {
  private readonly cache = new Map<string, VersionRecord>();

  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The pipeline row is locked (SELECT … FOR UPDATE) before its latest number
   * is compared with the base, so of any number of saves on one base, in any
   * number of processes, exactly one commits; the rest see the new latest. Two
   * saves creating one new pipeline race on its primary key instead.
   */
  async save(input: NewVersion): Promise<SaveResult> {
    try {
      return await this.db.transaction().execute(async (tx): Promise<SaveResult> => {
        const current = await tx.selectFrom('pipelines').select('latest_version').where('name', '=', input.pipeline).forUpdate().executeTakeFirst();
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
      if ((err as { code?: string }).code === UNIQUE_VIOLATION && input.baseVersion === null) {
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

  async get(pipeline: string, number: number) {
    const key = await this.db.selectFrom('versions').select(['number', 'content_hash']).where('pipeline', '=', pipeline).where('number', '=', number).executeTakeFirst();
    return this.cached(pipeline, key);
  }

  async latest(pipeline: string) {
    const key = await this.db
      .selectFrom('versions as v')
      .innerJoin('pipelines as p', (j) => j.onRef('p.name', '=', 'v.pipeline').onRef('p.latest_version', '=', 'v.number'))
      .select(['v.number', 'v.content_hash'])
      .where('p.name', '=', pipeline)
      .executeTakeFirst();
    return this.cached(pipeline, key);
  }

  /** As in the SQLite store: a version never changes, so its parsed document (one object, compiled once by the run manager) is kept. */
  private async cached(pipeline: string, key: { number: number; content_hash: string } | undefined): Promise<VersionRecord | undefined> {
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
