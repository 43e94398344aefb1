import type { SqliteDatabase } from './db';

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
  setConfig(pipeline: string, kind: MonitoringConfigKind, items: unknown[]): Promise<void>;
  /** Every pipeline's list of one kind (loaded once at start). */
  allConfigs(kind: MonitoringConfigKind): Promise<Map<string, unknown[]>>;
  addScore(score: MonitorScore): Promise<void>;
  /** Scores of a pipeline with `from <= at < to`, oldest first. */
  scores(query: { pipeline: string; from: number; to: number; monitor?: string }): Promise<MonitorScore[]>;
  /** The scores a run was given. */
  runScores(runId: string): Promise<MonitorScore[]>;
  addDelivery(delivery: Omit<AlertDelivery, 'id' | 'attempts' | 'lastError' | 'deliveredAt' | 'status'>): Promise<number>;
  updateDelivery(id: number, update: Pick<AlertDelivery, 'status' | 'attempts' | 'lastError' | 'deliveredAt'>): Promise<void>;
  deliveries(pipeline: string, limit: number): Promise<AlertDelivery[]>;
  /** Writes scores still queued (before the database closes). */
  flush(): Promise<void>;
}

interface ScoreRow {
  run_id: string;
  monitor: string;
  pipeline: string;
  version: number | null;
  label: string | null;
  score: number;
  pass: number;
  reason: string | null;
  at: number;
}

interface DeliveryRow {
  id: number;
  pipeline: string;
  rule: string;
  state: 'firing' | 'recovered';
  payload: string;
  webhook: string;
  status: AlertDelivery['status'];
  attempts: number;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

const toScore = (r: ScoreRow): MonitorScore => ({
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

const toDelivery = (r: DeliveryRow): AlertDelivery => ({
  id: r.id,
  pipeline: r.pipeline,
  rule: r.rule,
  state: r.state,
  payload: JSON.parse(r.payload),
  webhook: r.webhook,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
});

export class SqliteMonitorStore implements MonitorStore {
  private readonly s;
  private pending: MonitorScore[] = [];
  private timer?: NodeJS.Timeout;
  private readonly writeScores;

  constructor(private readonly db: SqliteDatabase) {
    this.s = {
      getConfig: db.prepare<[string, string], string>('SELECT config FROM monitoring_config WHERE pipeline = ? AND kind = ?').pluck(),
      setConfig: db.prepare('INSERT OR REPLACE INTO monitoring_config (pipeline, kind, config, updated_at) VALUES (?, ?, ?, ?)'),
      allConfigs: db.prepare<[string], { pipeline: string; config: string }>('SELECT pipeline, config FROM monitoring_config WHERE kind = ?'),
      addScore: db.prepare(
        'INSERT OR REPLACE INTO monitor_scores (run_id, monitor, pipeline, version, label, score, pass, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      scores: db.prepare<[string, number, number], ScoreRow>('SELECT * FROM monitor_scores WHERE pipeline = ? AND at >= ? AND at < ? ORDER BY at'),
      scoresOf: db.prepare<[string, string, number, number], ScoreRow>(
        'SELECT * FROM monitor_scores WHERE pipeline = ? AND monitor = ? AND at >= ? AND at < ? ORDER BY at',
      ),
      runScores: db.prepare<[string], ScoreRow>('SELECT * FROM monitor_scores WHERE run_id = ? ORDER BY monitor'),
      addDelivery: db.prepare(
        "INSERT INTO alert_deliveries (pipeline, rule, state, payload, webhook, status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
      ),
      updateDelivery: db.prepare('UPDATE alert_deliveries SET status = ?, attempts = ?, last_error = ?, delivered_at = ? WHERE id = ?'),
      deliveries: db.prepare<[string, number], DeliveryRow>('SELECT * FROM alert_deliveries WHERE pipeline = ? ORDER BY id DESC LIMIT ?'),
    };
    this.writeScores = db.transaction((scores: MonitorScore[]) => {
      for (const x of scores) this.s.addScore.run(x.runId, x.monitor, x.pipeline, x.version, x.label, x.score, x.pass ? 1 : 0, x.reason, x.at);
    });
  }

  /** Queued scores in one transaction (see SCORE_FLUSH_MS). */
  private flushScores = () => {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    // A tick that comes after close (a stopped runner) must not throw from a timer; close flushes first.
    if (batch.length && this.db.open) this.writeScores(batch);
  };

  async flush(): Promise<void> {
    this.flushScores();
  }

  async getConfig(pipeline: string, kind: MonitoringConfigKind): Promise<unknown[]> {
    const text = this.s.getConfig.get(pipeline, kind);
    return text ? (JSON.parse(text) as unknown[]) : [];
  }

  async setConfig(pipeline: string, kind: MonitoringConfigKind, items: unknown[]): Promise<void> {
    this.s.setConfig.run(pipeline, kind, JSON.stringify(items), Date.now());
  }

  async allConfigs(kind: MonitoringConfigKind): Promise<Map<string, unknown[]>> {
    return new Map(this.s.allConfigs.all(kind).map((r) => [r.pipeline, JSON.parse(r.config) as unknown[]]));
  }

  async addScore(x: MonitorScore): Promise<void> {
    const queued = this.pending.push(x);
    if (queued >= SCORE_BATCH) this.flushScores();
    else if (queued === 1) this.timer = setTimeout(this.flushScores, SCORE_FLUSH_MS).unref();
  }

  async scores(q: { pipeline: string; from: number; to: number; monitor?: string }): Promise<MonitorScore[]> {
    this.flushScores();
    const rows = q.monitor ? this.s.scoresOf.all(q.pipeline, q.monitor, q.from, q.to) : this.s.scores.all(q.pipeline, q.from, q.to);
    return rows.map(toScore);
  }

  async runScores(runId: string): Promise<MonitorScore[]> {
    this.flushScores();
    return this.s.runScores.all(runId).map(toScore);
  }

  async addDelivery(d: Omit<AlertDelivery, 'id' | 'attempts' | 'lastError' | 'deliveredAt' | 'status'>): Promise<number> {
    return Number(this.s.addDelivery.run(d.pipeline, d.rule, d.state, JSON.stringify(d.payload), d.webhook, d.createdAt).lastInsertRowid);
  }

  async updateDelivery(id: number, u: Pick<AlertDelivery, 'status' | 'attempts' | 'lastError' | 'deliveredAt'>): Promise<void> {
    this.s.updateDelivery.run(u.status, u.attempts, u.lastError, u.deliveredAt, id);
  }

  async deliveries(pipeline: string, limit: number): Promise<AlertDelivery[]> {
    return this.s.deliveries.all(pipeline, limit).map(toDelivery);
  }
}
