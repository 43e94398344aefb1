import { forShare, forUpdate, lockKey, type StoreDb } from './dialect';
import { PreparedQuery } from './prepared';
import { appendDeployment } from './deployments';
import { ReadCache, type ChangeClock } from './read-cache';
import { holdRunningPromotion, promotionMoved } from './promotions';

export { PromotionEndedError } from './promotions';

/** Where a label points. */
export interface LabelState {
  version: number;
  /** ISO 8601. */
  movedAt: string;
}

export interface LabelMove {
  pipeline: string;
  label: string;
  version: number;
  /** `admin` or a serving key's name. */
  by: string;
  note?: string | null;
  evalId?: string | null;
  forced?: boolean;
  /** Move only if the label still points at this version (null: is not set), checked in the move's transaction; left out: wherever it points. */
  ifFrom?: number | null;
  /** Move only if `version` is still the version of this content hash (a pipeline deleted and saved again reuses numbers), checked in the move's transaction. */
  ifContentHash?: string;
  /**
   * A promotion's move: only while that promotion is running and `owner`'s (checked in the move's transaction, else
   * PromotionEndedError), and it is recorded `moved` with `outcome` (its `forced` the move's) in the same transaction.
   */
  promotion?: { id: string; owner: string; outcome: Record<string, unknown> };
}

/** A conditional move (`ifFrom`) found the label moved by someone else: nothing was written. */
export class LabelMovedError extends Error {
  override name = 'LabelMovedError';
  constructor(
    readonly expected: number | null,
    readonly current: number | null,
  ) {
    super(`the label points at ${current === null ? 'nothing' : `version ${current}`} now, not ${expected === null ? 'nothing' : `version ${expected}`}`);
  }
}

/** A conditional move (`ifContentHash`) found another version under that number (or none): nothing was written. */
export class VersionReplacedError extends Error {
  override name = 'VersionReplacedError';
  constructor(readonly version: number) {
    super(`version ${version} is not the version of that content any more`);
  }
}

/** The version a move names is not in the store (any more): its pipeline was deleted since the move was checked, or the version never was. */
export class LabelTargetGoneError extends Error {
  override name = 'LabelTargetGoneError';
  constructor(
    readonly pipeline: string,
    readonly version: number,
    readonly pipelineGone: boolean,
  ) {
    super(pipelineGone ? `there is no pipeline "${pipeline}"` : `pipeline "${pipeline}" has no version ${version}`);
  }
}

export interface LabelStore {
  /** `{label: {version, movedAt}}` of one pipeline. */
  list(pipeline: string): Promise<Record<string, LabelState>>;
  /** The labels of each of these pipelines in one query (a page of the pipeline list); a pipeline with none is left out. */
  ofPipelines(pipelines: string[]): Promise<Map<string, Record<string, LabelState>>>;
  get(pipeline: string, label: string): Promise<LabelState | undefined>;
  /**
   * Moves (or creates) the label and appends the move to the history, in one transaction. Returns the version it left
   * (null: new). A label that holds `version` already is left as it is (`moved: false`, no history row, its movedAt).
   * Throws LabelMovedError when `ifFrom` no longer holds.
   */
  move(move: LabelMove): Promise<{ from: number | null; moved: boolean; state: LabelState }>;
  /** Removes the label, recording the move to nothing. Undefined when there was no such label. */
  remove(pipeline: string, label: string, by: string, note?: string | null): Promise<{ from: number } | undefined>;
  /** Every pipeline's labels (for `GET /v1/models`). */
  all(): Promise<{ pipeline: string; label: string; version: number; movedAt: string }[]>;
}

// Compiled once (prepared.ts): on a store without a change clock (PostgreSQL) it runs on every served request.
const labelOf = new PreparedQuery<[string, string], { version: number; moved_at: number }>(2, (db, pipeline, label) =>
  db.selectFrom('labels').select(['version', 'moved_at']).where('pipeline', '=', pipeline).where('label', '=', label),
);

const toState = (r: { version: number; moved_at: number }): LabelState => ({ version: r.version, movedAt: new Date(r.moved_at).toISOString() });

/** Labels on either database: a move holds the label's key locked (dialect.ts), so concurrent moves record every "from" truly, a new label's too. */
export class KyselyLabelStore implements LabelStore {
  /** Serving reads a label on every request: cached until a label, version or pipeline is written (here or by another process). */
  private readonly reads: ReadCache<LabelState | undefined>;

  constructor(
    private readonly db: StoreDb,
    clock?: ChangeClock,
  ) {
    this.reads = new ReadCache(clock);
  }

  async list(pipeline: string) {
    return (await this.ofPipelines([pipeline])).get(pipeline) ?? {};
  }

  async ofPipelines(pipelines: string[]) {
    const out = new Map<string, Record<string, LabelState>>();
    if (pipelines.length === 0) return out;
    const rows = await this.db.selectFrom('labels').select(['pipeline', 'label', 'version', 'moved_at']).where('pipeline', 'in', pipelines).orderBy('pipeline').orderBy('label').execute();
    for (const row of rows) {
      const labels = out.get(row.pipeline) ?? {};
      labels[row.label] = toState(row);
      out.set(row.pipeline, labels);
    }
    return out;
  }

  get(pipeline: string, label: string) {
    return this.reads.get(`${pipeline}\u0000${label}`, async () => {
      const row = (await labelOf.execute(this.db, pipeline, label)).rows[0];
      return row ? toState(row) : undefined;
    });
  }

  async move(m: LabelMove) {
    return this.db.transaction().execute(async (tx) => {
      // A label not yet set has no row for FOR UPDATE to lock: without this, parallel first moves (two promotions
      // that both compared with "not set") each read nothing, and the later one overwrote the earlier unseen.
      await lockKey(tx, `label:${m.pipeline}/${m.label}`);
      // The pipeline was checked before this transaction; a delete since then would make the insert below break the
      // labels' foreign key (a 500). Its row is held (FOR SHARE: a delete, which locks it first, waits) and its version read here.
      const pipeline = await forShare(tx, tx.selectFrom('pipelines').select('name').where('name', '=', m.pipeline)).executeTakeFirst();
      const target = pipeline && (await tx.selectFrom('versions').select('number').where('pipeline', '=', m.pipeline).where('number', '=', m.version).executeTakeFirst());
      if (!target) throw new LabelTargetGoneError(m.pipeline, m.version, !pipeline);
      if (m.promotion) await holdRunningPromotion(tx, m.promotion.id, m.promotion.owner);
      const before = await forUpdate(tx, tx.selectFrom('labels').select(['version', 'moved_at']).where('pipeline', '=', m.pipeline).where('label', '=', m.label)).executeTakeFirst();
      // Stamped once the label is this move's (the locks above wait for another process's move of it): the history's
      // times then follow its order, where a time taken before the wait listed a move older than the one before it.
      const at = Date.now();
      if (m.ifFrom !== undefined && (before?.version ?? null) !== m.ifFrom) throw new LabelMovedError(m.ifFrom, before?.version ?? null);
      if (m.ifContentHash !== undefined) {
        const target = await tx.selectFrom('versions').select('content_hash').where('pipeline', '=', m.pipeline).where('number', '=', m.version).executeTakeFirst();
        if (target?.content_hash !== m.ifContentHash) throw new VersionReplacedError(m.version);
      }
      // v3 → v3 is no deployment: the history lists only moves, and movedAt keeps saying when it last moved.
      if (before?.version === m.version) return { from: before.version, moved: false, state: toState(before) };
      await tx
        .insertInto('labels')
        .values({ pipeline: m.pipeline, label: m.label, version: m.version, moved_at: at })
        .onConflict((oc) => oc.columns(['pipeline', 'label']).doUpdateSet({ version: m.version, moved_at: at }))
        .execute();
      const from = before?.version ?? null;
      await appendDeployment(tx, { ...m, from, to: m.version, at });
      if (m.promotion) await promotionMoved(tx, m.promotion.id, { ...m.promotion.outcome, forced: m.forced === true }, at);
      return { from, moved: true, state: toState({ version: m.version, moved_at: at }) };
    });
  }

  async remove(pipeline: string, label: string, by: string, note: string | null = null) {
    return this.db.transaction().execute(async (tx) => {
      const before = await tx.deleteFrom('labels').where('pipeline', '=', pipeline).where('label', '=', label).returning('version').executeTakeFirst();
      if (!before) return undefined;
      const at = Date.now(); // once the row is this removal's, as a move stamps itself
      await appendDeployment(tx, { pipeline, label, from: before.version, to: null, at, by, note });
      return { from: before.version };
    });
  }

  async all() {
    const rows = await this.db.selectFrom('labels').select(['pipeline', 'label', 'version', 'moved_at']).orderBy('pipeline').orderBy('label').execute();
    return rows.map((r) => ({ pipeline: r.pipeline, label: r.label, ...toState(r) }));
  }
}
