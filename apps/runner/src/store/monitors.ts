import { sql } from 'kysely';
import { forShare, type StoreDb } from './dialect';
import type { Database } from './schema';
import { nulEscaped } from './nul-in-text';

export type MonitoringConfigKind = 'monitors' | 'alert-rules';

/**
 * Scores wait this long (or until SCORE_BATCH are queued) so that a busy pipeline's scores share
 * one transaction: a transaction per score or two cost more than the scoring. Nobody waits for a
 * score (it is not an answer); reads of scores flush first, and closing flushes what is queued.
 */
export const SCORE_FLUSH_MS = 250;
export const SCORE_BATCH = 512;

export interface MonitorScore {
  runId: string;
  monitor: string;
  pipeline: string;
  version: number | null;
  label: string | null;
  score: number;
  pass: boolean;
  reason: string | null;
  at: number;
}

/** The scores one monitor gave one version's runs in one step. */
export interface ScoreBucket {
  monitor: string;
  version: number | null;
  t: number;
  count: number;
  sum: number;
  passed: number;
}

export interface AlertDelivery {
  id: number;
  pipeline: string;
  rule: string;
  state: 'firing' | 'recovered';
  payload: Record<string, unknown>;
  webhook: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

/** Monitors, alert rules, monitor scores and alert deliveries. */
export interface MonitorStore {
  getConfig(pipeline: string, kind: MonitoringConfigKind): Promise<unknown[]>;
  /**
   * Writes a pipeline's list while the pipeline is there (its row held meanwhile, so a delete waits): false, and
   * nothing written, when it is not (deleted since its caller checked). A deleted pipeline's lists are emptied
   * with it (pipelines.delete), so a pipeline made again under its name starts with none.
   */
  setConfig(pipeline: string, kind: MonitoringConfigKind, items: unknown[]): Promise<boolean>;
  /** Every pipeline's list of one kind (loaded once at start). */
  allConfigs(kind: MonitoringConfigKind): Promise<Map<string, unknown[]>>;
  addScore(score: MonitorScore): Promise<void>;
  /**
   * Scores of a pipeline with `from <= at < to`, summed per monitor, version and step (`t` is the
   * step's start, counted from `from`): the database adds them up, so a long range is not read row by row.
   */
  scoreBuckets(query: { pipeline: string; from: number; to: number; stepMs: number }): Promise<ScoreBucket[]>;
  /** The scores a run was given. */
  runScores(runId: string): Promise<MonitorScore[]>;
  /** A monitor's latest scores of a pipeline's runs (narrowed to a label, to those since a time), oldest first. */
  recentScores(query: { pipeline: string; monitor: string; label?: string; since?: number; limit: number }): Promise<MonitorScore[]>;
  /** Per rule of a pipeline, the state its latest alert said (delivered or not): what its receiver was last told. */
  lastAlertStates(pipeline: string): Promise<Map<string, AlertDelivery['state']>>;
  addDelivery(delivery: Omit<AlertDelivery, 'id' | 'attempts' | 'lastError' | 'deliveredAt' | 'status'>): Promise<number>;
  updateDelivery(id: number, update: Pick<AlertDelivery, 'status' | 'attempts' | 'lastError' | 'deliveredAt'>): Promise<void>;
  deliveries(pipeline: string, limit: number): Promise<AlertDelivery[]>;
  /** Deletes delivered and failed alerts created before `before` (retention); one still pending stays. */
  pruneDeliveries(before: number): Promise<number>;
  /** Writes scores still queued (before the database closes). */
  flush(): Promise<void>;
}

const toScore = (r: Database['monitor_scores']): MonitorScore => ({
  runId: r.run_id,
  monitor: r.monitor,
  pipeline: r.pipeline,
  version: r.version,
  label: r.label,
  score: r.score,
  pass: r.pass === 1,
  reason: r.reason,
  at: r.at,
});

type DeliveryRow = Omit<Database['alert_deliveries'], 'id' | 'attempts'> & { id: number; attempts: number };

const toDelivery = (r: DeliveryRow): AlertDelivery => ({
  id: r.id,
  pipeline: r.pipeline,
  rule: r.rule,
  state: r.state as AlertDelivery['state'],
  payload: JSON.parse(r.payload),
  webhook: r.webhook,
  status: r.status as AlertDelivery['status'],
  attempts: r.attempts,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
});

const SCORES_PER_STATEMENT = 1000;

/** Monitors, alert rules, scores and deliveries. Scores are written in batches, one transaction each (see SCORE_FLUSH_MS); reads flush first. */
export class KyselyMonitorStore implements MonitorStore {
  private pending: MonitorScore[] = [];
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly db: StoreDb) {}

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // One row per (run, monitor): a score given twice in one batch is the later one (one statement may not update a row twice).
    const batch = [...new Map(this.pending.map((x) => [`${x.runId}\0${x.monitor}`, x])).values()];
    this.pending = [];
    if (batch.length) {
      const rows = batch.map((x) => ({ run_id: x.runId, monitor: x.monitor, pipeline: x.pipeline, version: x.version, label: x.label, score: x.score, pass: x.pass ? 1 : 0, reason: x.reason === null ? null : nulEscaped(x.reason), at: x.at }));
      // A batch that failed before does not stop the ones after it.
      this.writing = this.writing.catch(() => {}).then(() =>
        this.db.transaction().execute(async (tx) => {
          // SQLite binds at most 32,766 parameters a statement: a burst of scores goes in slices.
          for (let i = 0; i < rows.length; i += SCORES_PER_STATEMENT) {
            await tx
              .insertInto('monitor_scores')
              .values(rows.slice(i, i + SCORES_PER_STATEMENT))
              .onConflict((oc) =>
                oc.columns(['run_id', 'monitor']).doUpdateSet((eb) => ({
                  pipeline: eb.ref('excluded.pipeline'),
                  version: eb.ref('excluded.version'),
                  label: eb.ref('excluded.label'),
                  score: eb.ref('excluded.score'),
                  pass: eb.ref('excluded.pass'),
                  reason: eb.ref('excluded.reason'),
                  at: eb.ref('excluded.at'),
                })),
              )
              .execute();
          }
        }),
      );
    }
    return this.writing;
  }

  async getConfig(pipeline: string, kind: MonitoringConfigKind): Promise<unknown[]> {
    const row = await this.db.selectFrom('monitoring_config').select('config').where('pipeline', '=', pipeline).where('kind', '=', kind).executeTakeFirst();
    return row ? (JSON.parse(row.config) as unknown[]) : [];
  }

  async setConfig(pipeline: string, kind: MonitoringConfigKind, items: unknown[]): Promise<boolean> {
    const config = JSON.stringify(items);
    return this.db.transaction().execute(async (tx) => {
      if (!(await forShare(tx, tx.selectFrom('pipelines').select('name').where('name', '=', pipeline)).executeTakeFirst())) return false;
      const now = Date.now();
      await tx
        .insertInto('monitoring_config')
        .values({ pipeline, kind, config, updated_at: now })
        .onConflict((oc) => oc.columns(['pipeline', 'kind']).doUpdateSet({ config, updated_at: now }))
        .execute();
      return true;
    });
  }

  async allConfigs(kind: MonitoringConfigKind): Promise<Map<string, unknown[]>> {
    const rows = await this.db.selectFrom('monitoring_config').select(['pipeline', 'config']).where('kind', '=', kind).execute();
    return new Map(rows.map((r) => [r.pipeline, JSON.parse(r.config) as unknown[]]));
  }

  async addScore(x: MonitorScore): Promise<void> {
    // A batch that fails (the database went away) loses those scores only; monitoring samples anyway.
    const queued = this.pending.push(x);
    if (queued >= SCORE_BATCH) void this.flush().catch(() => {});
    else if (queued === 1) this.timer = setTimeout(() => void this.flush().catch(() => {}), SCORE_FLUSH_MS).unref();
  }

  async scoreBuckets(q: { pipeline: string; from: number; to: number; stepMs: number }): Promise<ScoreBucket[]> {
    await this.flush();
    const rows = await this.db
      .selectFrom('monitor_scores')
      .select((eb) => [
        'monitor',
        'version',
        sql<number>`at - ((at - ${q.from}) % ${q.stepMs})`.as('t'),
        eb.fn.countAll<number>().as('count'),
        eb.fn.sum<number>('score').as('sum'),
        eb.fn.sum<number>('pass').as('passed'),
      ])
      .where('pipeline', '=', q.pipeline)
      .where('at', '>=', q.from)
      .where('at', '<', q.to)
      .groupBy(['monitor', 'version', 't'])
      .orderBy('monitor')
      .orderBy('version')
      .orderBy('t')
      .execute();
    // PostgreSQL's sums of integers are int8 (read as numbers by the pool); SQLite's are numbers already.
    return rows.map((r) => ({ monitor: r.monitor, version: r.version, t: Number(r.t), count: Number(r.count), sum: Number(r.sum), passed: Number(r.passed) }));
  }

  async runScores(runId: string): Promise<MonitorScore[]> {
    await this.flush();
    return (await this.db.selectFrom('monitor_scores').selectAll().where('run_id', '=', runId).orderBy('monitor').execute()).map(toScore);
  }

  async recentScores(q: { pipeline: string; monitor: string; label?: string; since?: number; limit: number }): Promise<MonitorScore[]> {
    await this.flush();
    let query = this.db.selectFrom('monitor_scores').selectAll().where('pipeline', '=', q.pipeline).where('monitor', '=', q.monitor);
    if (q.label !== undefined) query = query.where('label', '=', q.label);
    if (q.since !== undefined) query = query.where('at', '>', q.since);
    return (await query.orderBy('at', 'desc').limit(q.limit).execute()).reverse().map(toScore);
  }

  async lastAlertStates(pipeline: string): Promise<Map<string, AlertDelivery['state']>> {
    const rows = await this.db
      .selectFrom('alert_deliveries as d')
      .select(['d.rule', 'd.state'])
      .where('d.pipeline', '=', pipeline)
      .where('d.id', 'in', (eb) => eb.selectFrom('alert_deliveries').select((e) => e.fn.max('id').as('id')).where('pipeline', '=', pipeline).groupBy('rule'))
      .execute();
    return new Map(rows.map((r) => [r.rule, r.state as AlertDelivery['state']]));
  }

  async addDelivery(d: Omit<AlertDelivery, 'id' | 'attempts' | 'lastError' | 'deliveredAt' | 'status'>): Promise<number> {
    const row = await this.db
      .insertInto('alert_deliveries')
      .values({ pipeline: d.pipeline, rule: d.rule, state: d.state, payload: JSON.stringify(d.payload), webhook: d.webhook, status: 'pending', created_at: d.createdAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async updateDelivery(id: number, u: Pick<AlertDelivery, 'status' | 'attempts' | 'lastError' | 'deliveredAt'>): Promise<void> {
    await this.db.updateTable('alert_deliveries').set({ status: u.status, attempts: u.attempts, last_error: u.lastError === null ? null : nulEscaped(u.lastError), delivered_at: u.deliveredAt }).where('id', '=', id).execute();
  }

  async pruneDeliveries(before: number): Promise<number> {
    const result = await this.db.deleteFrom('alert_deliveries').where('created_at', '<', before).where('status', '<>', 'pending').executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deliveries(pipeline: string, limit: number): Promise<AlertDelivery[]> {
    const rows = await this.db.selectFrom('alert_deliveries').selectAll().where('pipeline', '=', pipeline).orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => toDelivery(r as DeliveryRow));
  }
}
