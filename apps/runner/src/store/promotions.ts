import { forUpdate, type StoreDb } from './dialect';

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
  /**
   * Stores what a running promotion has found out, so it outlives the process; only while `owner` (its process) holds
   * it: one ended (here or by another server that took this one for dead) is left as it is.
   */
  note(id: string, soFar: PromotionSoFar, as: { owner: string }): Promise<void>;
  /**
   * Ends a promotion with its outcome and events, only while `owner` holds it (running, or moved by its own label move,
   * promotionMoved): false when another server ended it meanwhile (endLeft), whose record then stands.
   */
  finish(id: string, status: Exclude<PromotionStatus, 'running'>, outcome: Record<string, unknown>, events: unknown[], as: { owner: string }): Promise<boolean>;
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

  async note(id: string, soFar: PromotionSoFar, as: { owner: string }) {
    await this.db.updateTable('promotions').set({ so_far: JSON.stringify(soFar) }).where('id', '=', id).where('status', '=', 'running').where('owner', '=', as.owner).execute();
  }

  async finish(id: string, status: Exclude<PromotionStatus, 'running'>, outcome: Record<string, unknown>, events: unknown[], as: { owner: string }) {
    // Every end but the owner's own label move clears the owner, so a row still naming it was ended by nobody else.
    const result = await this.db
      .updateTable('promotions')
      .set({ status, outcome: JSON.stringify(outcome), events: JSON.stringify(events), finished_at: Date.now(), owner: null })
      .where('id', '=', id)
      .where('owner', '=', as.owner)
      .where('status', 'in', ['running', 'moved'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
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

/** A promotion's label move found the promotion ended (another server took its process for dead) or not its process's: nothing was moved. */
export class PromotionEndedError extends Error {
  override name = 'PromotionEndedError';
  constructor(readonly promotionId: string) {
    super(`promotion ${promotionId} was ended by another server (it took this one for dead) before its label moved`);
  }
}

/**
 * In a label move's transaction: holds the promotion's row (FOR UPDATE; SQLite's write transactions are serial) and
 * throws PromotionEndedError unless it is still running and `owner`'s, so a promotion another server ended moves nothing.
 */
export async function holdRunningPromotion(tx: StoreDb, id: string, owner: string): Promise<void> {
  const row = await forUpdate(tx, tx.selectFrom('promotions').select(['status', 'owner']).where('id', '=', id)).executeTakeFirst();
  if (row?.status !== 'running' || row.owner !== owner) throw new PromotionEndedError(id);
}

/**
 * In the same transaction, once the label moved: the promotion is recorded `moved` (its owner kept, so its own finish
 * adds the events), so a server ending it afterwards (endLeft: running only) cannot record it failed.
 */
export async function promotionMoved(tx: StoreDb, id: string, outcome: Record<string, unknown>, at: number): Promise<void> {
  await tx.updateTable('promotions').set({ status: 'moved', outcome: JSON.stringify(outcome), finished_at: at }).where('id', '=', id).execute();
}
