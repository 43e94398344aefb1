import type { SqliteDatabase } from './db';
import { decodeCursor, toPage, type Page, type PageRequest } from './paging';

/** A saved pipeline: its name and what its latest version says about it. */
export interface PipelineSummary {
  name: string;
  title: string | null;
  description: string | null;
  latestVersion: number;
  createdAt: string;
  updatedAt: string;
}

/** Pipelines by name. Versions (store/versions.ts) create them; this module lists and deletes. */
export interface PipelineStore {
  /** By name, a page at a time. */
  list(page: PageRequest): Promise<Page<PipelineSummary>>;
  get(name: string): Promise<PipelineSummary | undefined>;
  /** Deletes the pipeline and its versions; its runs stay as history. False when there was none. */
  delete(name: string): Promise<boolean>;
}

interface Row {
  name: string;
  title: string | null;
  description: string | null;
  latest_version: number;
  created_at: number;
  updated_at: number;
}

const toSummary = (r: Row): PipelineSummary => ({
  name: r.name,
  title: r.title,
  description: r.description,
  latestVersion: r.latest_version,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

export class SqlitePipelineStore implements PipelineStore {
  private readonly listStmt;
  private readonly listAfterStmt;
  private readonly getStmt;
  private readonly deleteStmt;

  constructor(db: SqliteDatabase) {
    this.listStmt = db.prepare<[number], Row>('SELECT * FROM pipelines ORDER BY name LIMIT ?');
    this.listAfterStmt = db.prepare<[string, number], Row>('SELECT * FROM pipelines WHERE name > ? ORDER BY name LIMIT ?');
    this.getStmt = db.prepare<[string], Row>('SELECT * FROM pipelines WHERE name = ?');
    this.deleteStmt = db.prepare<[string]>('DELETE FROM pipelines WHERE name = ?');
  }

  async list({ limit, cursor }: PageRequest) {
    const rows = cursor === undefined ? this.listStmt.all(limit + 1) : this.listAfterStmt.all(decodeCursor<[string]>(cursor, ['string'])[0], limit + 1);
    return toPage(rows, limit, (r) => [r.name], toSummary);
  }

  async get(name: string) {
    const row = this.getStmt.get(name);
    return row ? toSummary(row) : undefined;
  }

  async delete(name: string) {
    return this.deleteStmt.run(name).changes > 0;
  }
}
