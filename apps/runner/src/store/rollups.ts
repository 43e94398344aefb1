import { decodeSketch, encodeSketch, type LatencySketch } from '../monitoring/latency-sketch';
import { forUpdate, type StoreDb } from './dialect';
import type { Database } from './schema';

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

/** A cell's counters: when cells fold together (minutes into an hour, cells into a chart's step) they add up; the sketch merges apart. */
export type RollupCounts = Pick<RollupCell, 'runs' | 'errors' | 'tokensIn' | 'tokensOut' | 'costUsd'>;

export function addCounts(into: RollupCounts, from: RollupCounts): void {
  into.runs += from.runs;
  into.errors += from.errors;
  into.tokensIn += from.tokensIn;
  into.tokensOut += from.tokensOut;
  into.costUsd += from.costUsd;
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

type Row = Database['metric_rollups'];

const toCell = (r: Row): StoredRollupCell => ({
  resolution: r.resolution,
  bucket: r.bucket,
  pipeline: r.pipeline,
  dimension: r.dimension as RollupDimension,
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

const keyOf = (c: RollupCell) => [c.resolution, c.pipeline, c.dimension, c.bucket, c.version, c.label, c.source, c.key].join('\0');

/**
 * Several processes merge into one cell, so a cell that exists is read locked
 * (dialect.ts's forUpdate) while its counts add and its sketch merges. Cells
 * are taken in one order everywhere, so two merging processes never deadlock.
 * A cell new to the table is inserted as is; only one that exists is read back.
 */
export class KyselyRollupStore implements RollupStore {
  constructor(private readonly db: StoreDb) {}

  async merge(cells: RollupCell[]): Promise<void> {
    if (cells.length === 0) return;
    const sorted = [...cells].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    await this.db.transaction().execute(async (tx) => {
      for (const c of sorted) {
        const row = {
          resolution: c.resolution, bucket: c.bucket, pipeline: c.pipeline, dimension: c.dimension, version: c.version, label: c.label, source: c.source, key: c.key,
          node_type: c.nodeType, runs: c.runs, errors: c.errors, tokens_in: c.tokensIn, tokens_out: c.tokensOut, cost_usd: c.costUsd,
        };
        const fresh = await tx.insertInto('metric_rollups').values({ ...row, sketch: Buffer.from(encodeSketch(c.sketch)) }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
        if (Number(fresh.numInsertedOrUpdatedRows ?? 0) > 0) continue;
        const where = tx
          .selectFrom('metric_rollups')
          .selectAll()
          .where('resolution', '=', c.resolution).where('pipeline', '=', c.pipeline).where('dimension', '=', c.dimension).where('bucket', '=', c.bucket)
          .where('version', '=', c.version).where('label', '=', c.label).where('source', '=', c.source).where('key', '=', c.key);
        const old = await forUpdate(tx, where).executeTakeFirstOrThrow();
        const sketch = c.sketch;
        sketch.merge(decodeSketch(old.sketch));
        await tx
          .updateTable('metric_rollups')
          .set({ node_type: c.nodeType, runs: old.runs + c.runs, errors: old.errors + c.errors, tokens_in: old.tokens_in + c.tokensIn, tokens_out: old.tokens_out + c.tokensOut, cost_usd: old.cost_usd + c.costUsd, sketch: Buffer.from(encodeSketch(sketch)) })
          .where('resolution', '=', c.resolution).where('pipeline', '=', c.pipeline).where('dimension', '=', c.dimension).where('bucket', '=', c.bucket)
          .where('version', '=', c.version).where('label', '=', c.label).where('source', '=', c.source).where('key', '=', c.key)
          .execute();
      }
    });
  }

  async query(q: RollupQuery): Promise<StoredRollupCell[]> {
    let query = this.db
      .selectFrom('metric_rollups')
      .selectAll()
      .where('resolution', '=', q.resolution)
      .where('pipeline', '=', q.pipeline)
      .where('dimension', '=', q.dimension)
      .where('bucket', '>=', q.from)
      .where('bucket', '<', q.to);
    if (q.source) query = query.where('source', '=', q.source);
    return (await query.orderBy('bucket').execute()).map(toCell);
  }

  async prune(resolution: number, before: number): Promise<number> {
    const result = await this.db.deleteFrom('metric_rollups').where('resolution', '=', resolution).where('bucket', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
