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
  /** What it had found out when last noted (`note`); null before. */
  soFar: PromotionSoFar | null;
  createdAt: string;
  finishedAt: string | null;
}

/** What a running promotion has found out: the version it compares with and the evals it started. */
export interface PromotionSoFar {
  from: number | null;
  evalIds: { candidate: string | null; holder: string | null };
}

/** Why a promotion found `running` by a restart ended: its process is gone, and the outcome it would have stored with it. */
export const STOPPED_PROMOTION_ERROR = 'the runner stopped before the promotion ended';

export interface PromotionStore {
  /** `owner`: the process that runs it (`host:pid:start`, runs/process-owner.ts). */
  create(p: { id: string; pipeline: string; label: string; version: number; createdAt: number; owner: string }): Promise<void>;
  /** Stores what a running promotion has found out, so it outlives the process (an ended one is left as it is). */
  note(id: string, soFar: PromotionSoFar): Promise<void>;
  finish(id: string, status: Exclude<PromotionStatus, 'running'>, outcome: Record<string, unknown>, events: unknown[]): Promise<void>;
  /** Every event of an ended promotion; undefined when there is no such promotion. */
  events(id: string): Promise<unknown[] | undefined>;
  get(id: string): Promise<StoredPromotion | undefined>;
  /**
   * At start-up: promotions left `running` by a process that is gone end `failed` (STOPPED_PROMOTION_ERROR), so
   * GET /api/promotions/:id and its event stream tell the end rather than `running` for ever, with what it had
   * noted (`from`, `evalIds`; null when it noted nothing). Returns how many.
   */
  interruptOrphans(isOwnerAlive: (owner: string) => boolean): Promise<number>;
  /** One promotion left `running` by a server known to be gone (scaled out) ends `failed` with `error`, as at a start; false when it was not running. */
  endLeft(id: string, error: string): Promise<boolean>;
}

export class KyselyPromotionStore implements PromotionStore {
  constructor(private readonly db: StoreDb) {}

  async create(p: { id: string; pipeline: string; label: string; version: number; createdAt: number; owner: string }) {
    await this.db.insertInto('promotions').values({ id: p.id, pipeline: p.pipeline, label: p.label, version: p.version, status: 'running', created_at: p.createdAt, owner: p.owner }).execute();
  }

  async note(id: string, soFar: PromotionSoFar) {
    await this.db.updateTable('promotions').set({ so_far: JSON.stringify(soFar) }).where('id', '=', id).where('status', '=', 'running').execute();
  }

  async finish(id: string, status: Exclude<PromotionStatus, 'running'>, outcome: Record<string, unknown>, events: unknown[]) {
    await this.db.updateTable('promotions').set({ status, outcome: JSON.stringify(outcome), events: JSON.stringify(events), finished_at: Date.now(), owner: null }).where('id', '=', id).execute();
  }

  async interruptOrphans(isOwnerAlive: (owner: string) => boolean) {
    const running = await this.db.selectFrom('promotions').select(['id', 'version', 'owner', 'so_far']).where('status', '=', 'running').execute();
    let ended = 0;
    for (const r of running.filter((r) => !(r.owner && isOwnerAlive(r.owner)))) if (await this.endFailed(r, STOPPED_PROMOTION_ERROR)) ended++;
    return ended;
  }

  async endLeft(id: string, error: string) {
    const row = await this.db.selectFrom('promotions').select(['id', 'version', 'so_far']).where('id', '=', id).where('status', '=', 'running').executeTakeFirst();
    return row ? this.endFailed(row, error) : false;
  }

  /** Ends a running promotion `failed` with `error`, keeping what it had noted (what it compared with, the evals it started). */
  private async endFailed(r: { id: string; version: number; so_far: string | null }, error: string): Promise<boolean> {
    const soFar: PromotionSoFar = r.so_far === null ? { from: null, evalIds: { candidate: null, holder: null } } : JSON.parse(r.so_far);
    const outcome = { status: 'failed', moved: false, from: soFar.from, to: r.version, comparison: null, gates: null, evalIds: soFar.evalIds, forced: false, error };
    const result = await this.db
      .updateTable('promotions')
      .set({ status: 'failed', outcome: JSON.stringify(outcome), finished_at: Date.now(), owner: null })
      .where('id', '=', r.id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
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
      soFar: r.so_far === null ? null : (JSON.parse(r.so_far) as PromotionSoFar),
      createdAt: new Date(r.created_at).toISOString(),
      finishedAt: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
    };
  }
}
