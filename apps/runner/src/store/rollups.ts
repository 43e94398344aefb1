import { decodeSketch, encodeSketch, type LatencySketch } from '../monitoring/latency-sketch';
import type { SqliteDatabase } from './db';

export type RollupDimension = 'run' | 'node' | 'model';

/** One rollup cell: what runs (or node/model calls) in one bucket added up to. */
export interface RollupCell {
  resolution: number;
  bucket: number;
  pipeline: string;
  dimension: RollupDimension;
  version: number;
  label: string;
  source: string;
  key: string;
  nodeType: string;
  runs: number;
  errors: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  sketch: LatencySketch;
}

/** A stored cell as queries read it: the sketch still encoded (see SketchAccumulator). */
export type StoredRollupCell = Omit<RollupCell, 'sketch'> & { sketch: Uint8Array };

export interface RollupQuery {
  resolution: number;
  pipeline: string;
  dimension: RollupDimension;
  from: number;
  to: number;
  source?: string;
}

export interface RollupStore {
  /** Adds the cells to what is stored (counts add, sketches merge), in one transaction. */
  merge(cells: RollupCell[]): Promise<void>;
  /** Cells of one pipeline and dimension with `from <= bucket < to`. */
  query(query: RollupQuery): Promise<StoredRollupCell[]>;
  /** Buckets of one resolution older than `before` are deleted. */
  prune(resolution: number, before: number): Promise<number>;
}

interface Row {
  resolution: number;
  bucket: number;
  pipeline: string;
  dimension: RollupDimension;
  version: number;
  label: string;
  source: string;
  key: string;
  node_type: string;
  runs: number;
  errors: number;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  sketch: Buffer;
}

const toCell = (r: Row): StoredRollupCell => ({
  resolution: r.resolution,
  bucket: r.bucket,
  pipeline: r.pipeline,
  dimension: r.dimension,
  version: r.version,
  label: r.label,
  source: r.source,
  key: r.key,
  nodeType: r.node_type,
  runs: r.runs,
  errors: r.errors,
  tokensIn: r.tokens_in,
  tokensOut: r.tokens_out,
  costUsd: r.cost_usd,
  sketch: r.sketch,
});

export class SqliteRollupStore implements RollupStore {
  private readonly stmts;
  private readonly mergeAll;

  constructor(db: SqliteDatabase) {
    const keyWhere = 'resolution = ? AND pipeline = ? AND dimension = ? AND bucket = ? AND version = ? AND label = ? AND source = ? AND key = ?';
    this.stmts = {
      // A cell new to the table is inserted as is; only one that exists is read back and merged.
      insertNew: db.prepare(
        `INSERT INTO metric_rollups (resolution, bucket, pipeline, dimension, version, label, source, key, node_type,
           runs, errors, tokens_in, tokens_out, cost_usd, sketch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      ),
      existing: db.prepare<unknown[], Row>(`SELECT * FROM metric_rollups WHERE ${keyWhere}`),
      upsert: db.prepare(
        `INSERT OR REPLACE INTO metric_rollups (resolution, bucket, pipeline, dimension, version, label, source, key, node_type,
           runs, errors, tokens_in, tokens_out, cost_usd, sketch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      query: db.prepare<unknown[], Row>(
        'SELECT * FROM metric_rollups WHERE resolution = ? AND pipeline = ? AND dimension = ? AND bucket >= ? AND bucket < ? ORDER BY bucket',
      ),
      querySource: db.prepare<unknown[], Row>(
        'SELECT * FROM metric_rollups WHERE resolution = ? AND pipeline = ? AND dimension = ? AND bucket >= ? AND bucket < ? AND source = ? ORDER BY bucket',
      ),
      prune: db.prepare('DELETE FROM metric_rollups WHERE resolution = ? AND bucket < ?'),
    };
    this.mergeAll = db.transaction((cells: RollupCell[]) => {
      for (const c of cells) {
        const fresh = this.stmts.insertNew.run(
          c.resolution, c.bucket, c.pipeline, c.dimension, c.version, c.label, c.source, c.key, c.nodeType,
          c.runs, c.errors, c.tokensIn, c.tokensOut, c.costUsd, encodeSketch(c.sketch),
        );
        if (fresh.changes > 0) continue;
        const old = this.stmts.existing.get(c.resolution, c.pipeline, c.dimension, c.bucket, c.version, c.label, c.source, c.key);
        const sketch = c.sketch;
        if (old) sketch.merge(decodeSketch(old.sketch));
        this.stmts.upsert.run(
          c.resolution,
          c.bucket,
          c.pipeline,
          c.dimension,
          c.version,
          c.label,
          c.source,
          c.key,
          c.nodeType,
          c.runs + (old?.runs ?? 0),
          c.errors + (old?.errors ?? 0),
          c.tokensIn + (old?.tokens_in ?? 0),
          c.tokensOut + (old?.tokens_out ?? 0),
          c.costUsd + (old?.cost_usd ?? 0),
          encodeSketch(sketch),
        );
      }
    });
  }

  async merge(cells: RollupCell[]): Promise<void> {
    if (cells.length) this.mergeAll.immediate(cells);
  }

  async query(q: RollupQuery): Promise<StoredRollupCell[]> {
    const rows = q.source
      ? this.stmts.querySource.all(q.resolution, q.pipeline, q.dimension, q.from, q.to, q.source)
      : this.stmts.query.all(q.resolution, q.pipeline, q.dimension, q.from, q.to);
    return rows.map(toCell);
  }

  async prune(resolution: number, before: number): Promise<number> {
    return this.stmts.prune.run(resolution, before).changes;
  }
}
