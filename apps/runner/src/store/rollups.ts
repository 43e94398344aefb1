import { decodeSketch, encodeSketch, newSketch, type LatencySketch } from '../monitoring/latency-sketch';
import { forUpdate, type StoreDb } from './dialect';
import type { Database } from './schema';
import { PreparedQuery } from './prepared';

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

/** A cell's primary key, in the table's order: what merge sorts its cells by. */
const keyOf = (c: RollupCell) => [c.resolution, c.pipeline, c.dimension, c.bucket, c.version, c.label, c.source, c.key].join('\0');

type CellKey = [resolution: number, pipeline: string, dimension: string, bucket: number, version: number, label: string, source: string, key: string];
type CellCounts = [nodeType: string, runs: number, errors: number, tokensIn: number, tokensOut: number, costUsd: number, sketch: Buffer];

// A flush merges a cell per node, model and run, twice (minute and hour): 600 a second for a served pipeline
// of 300 nodes. Compiled once (prepared.ts) instead of built by Kysely per cell, which took half a flush's CPU.
const cellAt = new PreparedQuery<CellKey, Pick<Row, 'runs' | 'errors' | 'tokens_in' | 'tokens_out' | 'cost_usd' | 'sketch'>>(8, (db, resolution, pipeline, dimension, bucket, version, label, source, key) =>
  forUpdate(
    db,
    db
      .selectFrom('metric_rollups')
      .select(['runs', 'errors', 'tokens_in', 'tokens_out', 'cost_usd', 'sketch'])
      .where('resolution', '=', resolution).where('pipeline', '=', pipeline).where('dimension', '=', dimension).where('bucket', '=', bucket)
      .where('version', '=', version).where('label', '=', label).where('source', '=', source).where('key', '=', key),
  ),
);
const insertCell = new PreparedQuery<[...CellKey, ...CellCounts]>(15, (db, resolution, pipeline, dimension, bucket, version, label, source, key, node_type, runs, errors, tokens_in, tokens_out, cost_usd, sketch) =>
  db
    .insertInto('metric_rollups')
    .values({ resolution, pipeline, dimension, bucket, version, label, source, key, node_type, runs, errors, tokens_in, tokens_out, cost_usd, sketch })
    .onConflict((oc) => oc.doNothing()),
);
const updateCell = new PreparedQuery<[...CellCounts, ...CellKey]>(15, (db, node_type, runs, errors, tokens_in, tokens_out, cost_usd, sketch, resolution, pipeline, dimension, bucket, version, label, source, key) =>
  db
    .updateTable('metric_rollups')
    .set({ node_type, runs, errors, tokens_in, tokens_out, cost_usd, sketch })
    .where('resolution', '=', resolution).where('pipeline', '=', pipeline).where('dimension', '=', dimension).where('bucket', '=', bucket)
    .where('version', '=', version).where('label', '=', label).where('source', '=', source).where('key', '=', key),
);

/**
 * Several processes merge into one cell, so a cell that exists is read locked
 * (dialect.ts's forUpdate) while its counts add and its sketch merges. Cells
 * are taken in one order everywhere, so two merging processes never deadlock.
 * A cell is read first: past a minute's first flush nearly every cell exists
 * (an hour's, all but once an hour), and then it takes that read and the update.
 */
export class KyselyRollupStore implements RollupStore {
  constructor(private readonly db: StoreDb) {}

  async merge(cells: RollupCell[]): Promise<void> {
    if (cells.length === 0) return;
    const sorted = cells.map((c) => ({ c, id: keyOf(c) })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    await this.db.transaction().execute(async (tx) => {
      for (const { c } of sorted) {
        const key: CellKey = [c.resolution, c.pipeline, c.dimension, c.bucket, c.version, c.label, c.source, c.key];
        let old = (await cellAt.execute(tx, ...key)).rows[0];
        if (!old) {
          const fresh = await insertCell.execute(tx, ...key, c.nodeType, c.runs, c.errors, c.tokensIn, c.tokensOut, c.costUsd, Buffer.from(encodeSketch(c.sketch)));
          if (Number(fresh.numAffectedRows ?? 0) > 0) continue;
          // Another process inserted it since the read (and has committed): add to its row.
          old = (await cellAt.execute(tx, ...key)).rows[0];
        }
        // A copy: the caller's cell stays as it was, to be merged again if this transaction does not commit.
        const sketch = newSketch();
        sketch.merge(c.sketch);
        sketch.merge(decodeSketch(old.sketch));
        await updateCell.execute(tx, c.nodeType, old.runs + c.runs, old.errors + c.errors, old.tokens_in + c.tokensIn, old.tokens_out + c.tokensOut, old.cost_usd + c.costUsd, Buffer.from(encodeSketch(sketch)), ...key);
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
