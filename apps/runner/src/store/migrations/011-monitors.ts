import type { Migration } from './migration';

/**
 * Monitors and alert rules (one JSON list per pipeline and kind), the scores
 * monitors gave sampled runs, and every alert delivery with its attempts.
 */
export const monitors: Migration = {
  id: '011-monitors',
  up(db) {
    db.exec(`
      CREATE TABLE monitoring_config (
        pipeline TEXT NOT NULL,
        kind TEXT NOT NULL,            -- 'monitors' | 'alert-rules'
        config TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (pipeline, kind)
      );
      CREATE TABLE monitor_scores (
        run_id TEXT NOT NULL,
        monitor TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        version INTEGER,
        label TEXT,
        score REAL NOT NULL,
        pass INTEGER NOT NULL,
        reason TEXT,
        at INTEGER NOT NULL,
        PRIMARY KEY (run_id, monitor)
      );
      CREATE INDEX monitor_scores_time ON monitor_scores(pipeline, monitor, at);
      CREATE TABLE alert_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        pipeline TEXT NOT NULL,
        rule TEXT NOT NULL,
        state TEXT NOT NULL,           -- 'firing' | 'recovered'
        payload TEXT NOT NULL,
        webhook TEXT NOT NULL,
        status TEXT NOT NULL,          -- 'pending' | 'delivered' | 'failed'
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        delivered_at INTEGER
      );
      CREATE INDEX alert_deliveries_pipeline ON alert_deliveries(pipeline, id DESC);
    `);
  },
};
