import { addCounts, type RollupCell, type RollupDimension, type RollupStore } from '../store/rollups';
import { isStoreUnavailable } from '../store/store-unavailable';
import { newSketch } from './latency-sketch';
import { isErrorStatus, type FinishedRunFacts } from './run-facts';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/**
 * Adds finished runs up into per-minute cells in memory and merges them into
 * the store about once a second (hour cells are folded from the minute cells
 * at flush), so a run costs a few map lookups and sketch inserts, and the
 * database one upsert per cell per second, however busy the pipeline.
 */
export class RollupWriter {
  /** Pending minute cells: per (minute, pipeline, version, label, source), per dimension and key. */
  private pending = new Map<string, Map<string, RollupCell>>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: RollupStore,
    private readonly onError: (err: Error) => void = () => {},
    flushEveryMs = 1_000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushEveryMs);
    this.timer.unref();
  }

  observe(run: FinishedRunFacts): void {
    if (!run.pipeline) return;
    const finishedAt = run.startedAt + run.durationMs;
    const bucket = finishedAt - (finishedAt % MINUTE);
    const version = run.version ?? 0;
    const label = run.label ?? '';
    const source = run.source ?? '';
    // One key per run for where its cells are (the node and model cells sit under it): a run costs map lookups, not seven long keys.
    const id = runKey({ bucket, pipeline: run.pipeline, version, label, source });
    let cells = this.pending.get(id);
    if (!cells) this.pending.set(id, (cells = new Map()));
    const base = { bucket, pipeline: run.pipeline, version, label, source };
    let tokensIn = 0;
    let tokensOut = 0;
    let cost = 0;
    for (const nodeId in run.nodes) {
      const trace = run.nodes[nodeId];
      if (trace.status !== 'succeeded' && trace.status !== 'failed') continue;
      const input = trace.usage?.promptTokens ?? 0;
      const output = trace.usage?.completionTokens ?? 0;
      const nodeCost = trace.costUsd ?? 0;
      tokensIn += input;
      tokensOut += output;
      cost += nodeCost;
      const nodeFailed = trace.status === 'failed';
      const ms = trace.durationMs ?? 0;
      add(cells, base, 'node', nodeId, trace.type, nodeFailed, ms, input, output, nodeCost);
      if (trace.model) add(cells, base, 'model', trace.model, trace.type, nodeFailed, ms, input, output, nodeCost);
    }
    add(cells, base, 'run', '', '', isErrorStatus(run.status), run.durationMs, tokensIn, tokensOut, cost);
  }

  /** Writes what has been observed so far (minute and hour cells). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const minutes = [...this.pending.values()].flatMap((cells) => [...cells.values()]);
    this.pending = new Map();
    const hours = new Map<string, RollupCell>();
    for (const m of minutes) {
      const bucket = m.bucket - (m.bucket % HOUR);
      const id = `${bucket}\u0000${m.pipeline}\u0000${m.dimension}\u0000${m.version}\u0000${m.label}\u0000${m.source}\u0000${m.key}`;
      const h = hours.get(id);
      if (!h) {
        const sketch = newSketch();
        sketch.merge(m.sketch);
        hours.set(id, { ...m, resolution: HOUR, bucket, sketch });
      } else {
        addCounts(h, m);
        h.sketch.merge(m.sketch);
      }
    }
    try {
      await this.store.merge([...minutes, ...hours.values()]);
    } catch (err) {
      this.onError(err as Error);
      // The store away for a moment (a restart, a failover): its transaction did not commit, so the minutes go back
      // to be merged with the next flush rather than being lost to /api/metrics (their hours are made again from them).
      if (isStoreUnavailable(err)) for (const m of minutes) this.putBack(m);
    }
  }

  /** A minute cell back among the pending ones, added to the one of its key that came since. */
  private putBack(m: RollupCell): void {
    const id = runKey(m);
    let cells = this.pending.get(id);
    if (!cells) this.pending.set(id, (cells = new Map()));
    const key = cellId(m.dimension, m.key);
    const now = cells.get(key);
    if (!now) return void cells.set(key, m);
    addCounts(now, m);
    now.sketch.merge(m.sketch);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

/** Where a run's cells are kept (the node and model cells sit under it): one key per minute, pipeline, version, label and source. */
const runKey = (c: { bucket: number; pipeline: string; version: number; label: string; source: string }) =>
  `${c.bucket}\u0000${c.pipeline}\u0000${c.version}\u0000${c.label}\u0000${c.source}`;

/** A cell's key among its run key's cells. Node ids and model names never hold a NUL, so a node cell and a model cell cannot share one. */
const cellId = (dimension: RollupDimension, key: string) => (dimension === 'run' ? '' : dimension === 'node' ? key : `\u0000${key}`);

/** Counts one run (or node, or model call) into its cell under `cells`, made on first use. */
function add(
  cells: Map<string, RollupCell>,
  base: { bucket: number; pipeline: string; version: number; label: string; source: string },
  dimension: RollupDimension,
  key: string,
  nodeType: string,
  failed: boolean,
  ms: number,
  tokensIn: number,
  tokensOut: number,
  costUsd: number,
) {
  const id = cellId(dimension, key);
  let cell = cells.get(id);
  if (!cell) {
    cell = { resolution: MINUTE, ...base, dimension, key, nodeType, runs: 0, errors: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, sketch: newSketch() };
    cells.set(id, cell);
  }
  cell.runs++;
  if (failed) cell.errors++;
  cell.tokensIn += tokensIn;
  cell.tokensOut += tokensOut;
  cell.costUsd += costUsd;
  cell.sketch.accept(Math.max(0, ms));
}
