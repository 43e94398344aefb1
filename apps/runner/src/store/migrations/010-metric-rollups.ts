import type { Migration } from './migration';

/**
 * Monitoring rollups: one row per (resolution, bucket, pipeline, dimension,
 * version, label, source, key). `dimension` is `run` (key ''), `node` (key =
 * node id) or `model` (key = model name). Minute rows answer short ranges,
 * hour rows a month; both are written as runs finish, so queries never scan
 * raw runs and raw runs can be pruned while rollups stay. Empty strings and 0
 * stand for "none" so the primary key can hold them.
 */
export const metricRollups: Migration = {
  id: '010-metric-rollups',
  up(db) {
    db.exec(`
      CREATE TABLE metric_rollups (
        resolution INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        pipeline TEXT NOT NULL,
        dimension TEXT NOT NULL,
        version INTEGER NOT NULL,
        label TEXT NOT NULL,
        source TEXT NOT NULL,
        key TEXT NOT NULL,
        node_type TEXT NOT NULL DEFAULT '',
        runs INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        tokens_in INTEGER NOT NULL,
        tokens_out INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        sketch BLOB NOT NULL,
        PRIMARY KEY (resolution, pipeline, dimension, bucket, version, label, source, key)
      ) WITHOUT ROWID;
    `);
  },
};
