import type { Kysely } from 'kysely';
import { SCORE_BATCH, SCORE_FLUSH_MS, type AlertDelivery, type MonitorScore, type MonitorStore, type MonitoringConfigKind } from '../monitors';
import type { Database } from '../schema';

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

/** Monitors, alert rules, scores and deliveries. Scores are written in batches, one statement each (see SCORE_FLUSH_MS); reads flush first. */
export class PostgresMonitorStore implements MonitorStore {
  private pending: MonitorScore[] = [];
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly db: Kysely<Database>) {}

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // One row per (run, monitor): a score given twice in one batch is the later one (one statement may not update a row twice).
    const batch = [...new Map(this.pending.map((x) => [`${x.runId}\0${x.monitor}`, x])).values()];
    this.pending = [];
    if (batch.length) {
      this.writing = this.writing.then(() =>
        this.db
          .insertInto('monitor_scores')
          .values(batch.map((x) => ({ run_id: x.runId, monitor: x.monitor, pipeline: x.pipeline, version: x.version, label: x.label, score: x.score, pass: x.pass ? 1 : 0, reason: x.reason, at: x.at })))
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
          .execute()
          .then(() => undefined),
      );
    }
    return this.writing;
  }

  async getConfig(pipeline: string, kind: MonitoringConfigKind): Promise<unknown[]> {
    const row = await this.db.selectFrom('monitoring_config').select('config').where('pipeline', '=', pipeline).where('kind', '=', kind).executeTakeFirst();
    return row ? (JSON.parse(row.config) as unknown[]) : [];
  }

  async setConfig(pipeline: string, kind: MonitoringConfigKind, items: unknown[]): Promise<void> {
    const config = JSON.stringify(items);
    const now = Date.now();
    await this.db
      .insertInto('monitoring_config')
      .values({ pipeline, kind, config, updated_at: now })
      .onConflict((oc) => oc.columns(['pipeline', 'kind']).doUpdateSet({ config, updated_at: now }))
      .execute();
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

  async scores(q: { pipeline: string; from: number; to: number; monitor?: string }): Promise<MonitorScore[]> {
    await this.flush();
    let query = this.db.selectFrom('monitor_scores').selectAll().where('pipeline', '=', q.pipeline).where('at', '>=', q.from).where('at', '<', q.to);
    if (q.monitor) query = query.where('monitor', '=', q.monitor);
    return (await query.orderBy('at').execute()).map(toScore);
  }

  async runScores(runId: string): Promise<MonitorScore[]> {
    await this.flush();
    return (await this.db.selectFrom('monitor_scores').selectAll().where('run_id', '=', runId).orderBy('monitor').execute()).map(toScore);
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
    await this.db.updateTable('alert_deliveries').set({ status: u.status, attempts: u.attempts, last_error: u.lastError, delivered_at: u.deliveredAt }).where('id', '=', id).execute();
  }

  async deliveries(pipeline: string, limit: number): Promise<AlertDelivery[]> {
    const rows = await this.db.selectFrom('alert_deliveries').selectAll().where('pipeline', '=', pipeline).orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => toDelivery(r as DeliveryRow));
  }
}
