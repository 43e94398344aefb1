import type { SqliteDatabase } from './db';

export type PromotionStatus = 'running' | 'moved' | 'refused' | 'failed' | 'checked';

export interface StoredPromotion {
  id: string;
  pipeline: string;
  label: string;
  version: number;
  status: PromotionStatus;
  /** The promotion's outcome once it ended (see deploy/promotion.ts); null while it runs. */
  outcome: Record<string, unknown> | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface PromotionStore {
  create(p: { id: string; pipeline: string; label: string; version: number; createdAt: number }): Promise<void>;
  finish(id: string, status: Exclude<PromotionStatus, 'running'>, outcome: Record<string, unknown>, events: unknown[]): Promise<void>;
  /** Every event of an ended promotion; undefined when there is no such promotion. */
  events(id: string): Promise<unknown[] | undefined>;
  get(id: string): Promise<StoredPromotion | undefined>;
}

interface Row {
  id: string;
  pipeline: string;
  label: string;
  version: number;
  status: PromotionStatus;
  outcome: string | null;
  events: string | null;
  created_at: number;
  finished_at: number | null;
}

export class SqlitePromotionStore implements PromotionStore {
  private readonly stmts;

  constructor(db: SqliteDatabase) {
    this.stmts = {
      insert: db.prepare("INSERT INTO promotions (id, pipeline, label, version, status, created_at) VALUES (?, ?, ?, ?, 'running', ?)"),
      finish: db.prepare('UPDATE promotions SET status = ?, outcome = ?, events = ?, finished_at = ? WHERE id = ?'),
      events: db.prepare<[string], { events: string | null }>('SELECT events FROM promotions WHERE id = ?'),
      get: db.prepare<[string], Row>('SELECT * FROM promotions WHERE id = ?'),
    };
  }

  async create(p: { id: string; pipeline: string; label: string; version: number; createdAt: number }) {
    this.stmts.insert.run(p.id, p.pipeline, p.label, p.version, p.createdAt);
  }

  async finish(id: string, status: Exclude<PromotionStatus, 'running'>, outcome: Record<string, unknown>, events: unknown[]) {
    this.stmts.finish.run(status, JSON.stringify(outcome), JSON.stringify(events), Date.now(), id);
  }

  async events(id: string) {
    const row = this.stmts.events.get(id);
    if (!row) return undefined;
    return row.events === null ? [] : (JSON.parse(row.events) as unknown[]);
  }

  async get(id: string) {
    const r = this.stmts.get.get(id);
    if (!r) return undefined;
    return {
      id: r.id,
      pipeline: r.pipeline,
      label: r.label,
      version: r.version,
      status: r.status,
      outcome: r.outcome === null ? null : JSON.parse(r.outcome),
      createdAt: new Date(r.created_at).toISOString(),
      finishedAt: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
    };
  }
}
