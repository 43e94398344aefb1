import type { StoreDb } from './dialect';

export type PromotionStatus = 'running' | 'moved' | 'refused' | 'failed' | 'checked' | 'unchanged';

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

export class KyselyPromotionStore implements PromotionStore {
  constructor(private readonly db: StoreDb) {}

  async create(p: { id: string; pipeline: string; label: string; version: number; createdAt: number }) {
    await this.db.insertInto('promotions').values({ id: p.id, pipeline: p.pipeline, label: p.label, version: p.version, status: 'running', created_at: p.createdAt }).execute();
  }

  async finish(id: string, status: Exclude<PromotionStatus, 'running'>, outcome: Record<string, unknown>, events: unknown[]) {
    await this.db.updateTable('promotions').set({ status, outcome: JSON.stringify(outcome), events: JSON.stringify(events), finished_at: Date.now() }).where('id', '=', id).execute();
  }

  async events(id: string) {
    const row = await this.db.selectFrom('promotions').select('events').where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return row.events === null ? [] : (JSON.parse(row.events) as unknown[]);
  }

  async get(id: string) {
    const r = await this.db.selectFrom('promotions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return undefined;
    return {
      id: r.id,
      pipeline: r.pipeline,
      label: r.label,
      version: r.version,
      status: r.status as PromotionStatus,
      outcome: r.outcome === null ? null : JSON.parse(r.outcome),
      createdAt: new Date(r.created_at).toISOString(),
      finishedAt: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
    };
  }
}
