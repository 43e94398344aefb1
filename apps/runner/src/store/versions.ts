import type { SqliteDatabase } from './db';
import { decodeCursor, toPage, type Page, type PageRequest } from './paging';

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

/** A versions row as both databases return it (SQLite and PostgreSQL share this mapping). */
export interface VersionRow {
  pipeline: string;
  number: number;
  parent: number | null;
  message: string;
  created_at: number;
  content_hash: string;
  behavior_hash: string;
  problems: string;
  document?: string;
}

export function toSummary(r: VersionRow): VersionSummary {
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

export const toRecord = (r: VersionRow): VersionRecord => ({ ...toSummary(r), document: JSON.parse(r.document!) });

const SUMMARY_COLUMNS = 'pipeline, number, parent, message, created_at, content_hash, behavior_hash, problems';

/** Parsed versions kept in memory: a version never changes, and a run of "the latest" should not re-parse its document. */
const CACHE_SIZE = 256;

export class SqliteVersionStore implements VersionStore {
  private readonly db: SqliteDatabase;
  private readonly stmts;
  /** Keyed by pipeline, number and content hash, so a pipeline deleted and re-created (by any process) never hits a stale entry. */
  private readonly cache = new Map<string, VersionRecord>();

  constructor(db: SqliteDatabase) {
    this.db = db;
    this.stmts = {
      latestNumber: db.prepare<[string], number>('SELECT latest_version FROM pipelines WHERE name = ?').pluck(),
      insertPipeline: db.prepare(
        'INSERT INTO pipelines (name, title, description, latest_version, created_at, updated_at) VALUES (@name, @title, @description, @number, @now, @now)',
      ),
      updatePipeline: db.prepare(
        'UPDATE pipelines SET title = @title, description = @description, latest_version = @number, updated_at = @now WHERE name = @name',
      ),
      insertVersion: db.prepare(
        `INSERT INTO versions (pipeline, number, parent, message, created_at, content_hash, behavior_hash, document, problems)
         VALUES (@name, @number, @parent, @message, @now, @contentHash, @behaviorHash, @document, @problems)`,
      ),
      list: db.prepare<[string, number, number], VersionRow>(`SELECT ${SUMMARY_COLUMNS} FROM versions WHERE pipeline = ? AND number < ? ORDER BY number DESC LIMIT ?`),
      get: db.prepare<[string, number], VersionRow>('SELECT * FROM versions WHERE pipeline = ? AND number = ?'),
      latestKey: db.prepare<[string], { number: number; content_hash: string }>(
        'SELECT v.number, v.content_hash FROM versions v JOIN pipelines p ON p.name = v.pipeline AND p.latest_version = v.number WHERE p.name = ?',
      ),
      key: db.prepare<[string, number], { number: number; content_hash: string }>('SELECT number, content_hash FROM versions WHERE pipeline = ? AND number = ?'),
    };
  }

  async save(input: NewVersion): Promise<SaveResult> {
    // BEGIN IMMEDIATE takes the write lock before reading the latest number, so
    // two processes (or a PostgreSQL twin with SELECT … FOR UPDATE) cannot both win.
    const attempt = this.db.transaction((): SaveResult => {
      const latest = this.stmts.latestNumber.get(input.pipeline);
      if (input.baseVersion === null) {
        if (latest !== undefined) return { status: 'conflict', latest };
      } else if (latest === undefined) {
        return { status: 'not-found' };
      } else if (latest !== input.baseVersion) {
        return { status: 'conflict', latest };
      }
      const number = (latest ?? 0) + 1;
      const doc = input.document as { title?: unknown; description?: unknown };
      const row = {
        name: input.pipeline,
        number,
        parent: input.baseVersion,
        message: input.message,
        now: Date.now(),
        contentHash: input.contentHash,
        behaviorHash: input.behaviorHash,
        document: JSON.stringify(input.document),
        problems: JSON.stringify(input.problems),
        title: typeof doc?.title === 'string' ? doc.title : null,
        description: typeof doc?.description === 'string' ? doc.description : null,
      };
      if (latest === undefined) this.stmts.insertPipeline.run(row);
      else this.stmts.updatePipeline.run(row);
      this.stmts.insertVersion.run(row);
      return {
        status: 'created',
        version: toRecord({ ...row, pipeline: row.name, created_at: row.now, content_hash: row.contentHash, behavior_hash: row.behaviorHash }),
      };
    });
    return attempt.immediate();
  }

  async list(pipeline: string, { limit, cursor }: PageRequest) {
    const before = cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor<[number]>(cursor, ['number'])[0];
    return toPage(this.stmts.list.all(pipeline, before, limit + 1), limit, (r) => [r.number], toSummary);
  }

  async get(pipeline: string, number: number) {
    return this.cached(pipeline, this.stmts.key.get(pipeline, number));
  }

  async latest(pipeline: string) {
    return this.cached(pipeline, this.stmts.latestKey.get(pipeline));
  }

  private cached(pipeline: string, key: { number: number; content_hash: string } | undefined): VersionRecord | undefined {
    if (!key) return undefined;
    const id = `${pipeline}@${key.number}#${key.content_hash}`;
    let record = this.cache.get(id);
    if (!record) {
      const row = this.stmts.get.get(pipeline, key.number);
      if (!row) return undefined;
      record = toRecord(row);
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(id, record);
    }
    return record;
  }
}
