import type { RollupCell, RollupDimension, RollupStore } from '../store/rollups';
import { newSketch } from './latency-sketch';
import { isErrorStatus, nodeTokens, type FinishedRunFacts } from './run-facts';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/**
 * Adds finished runs up into per-minute cells in memory and merges them into
 * the store about once a second (hour cells are folded from the minute cells
 * at flush), so a run costs a few map lookups and sketch inserts, and the
 * database one upsert per cell per second, however busy the pipeline.
 */
export class RollupWriter {
  private pending = new Map<string, RollupCell>();
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
    const base = { pipeline: run.pipeline, version: run.version ?? 0, label: run.label ?? '', source: run.source ?? '' };
    const failed = isErrorStatus(run.status);
    let tokensIn = 0;
    let tokensOut = 0;
    let cost = 0;
    for (const id in run.nodes) {
      const trace = run.nodes[id];
      if (trace.status !== 'succeeded' && trace.status !== 'failed') continue;
      const tokens = nodeTokens(trace);
      const nodeCost = trace.costUsd ?? 0;
      tokensIn += tokens.input;
      tokensOut += tokens.output;
      cost += nodeCost;
      const nodeFailed = trace.status === 'failed';
      const ms = trace.durationMs ?? 0;
      this.add(bucket, base, 'node', id, trace.type, nodeFailed, ms, tokens.input, tokens.output, nodeCost);
      if (trace.model) this.add(bucket, base, 'model', trace.model, trace.type, nodeFailed, ms, tokens.input, tokens.output, nodeCost);
    }
    this.add(bucket, base, 'run', '', '', failed, run.durationMs, tokensIn, tokensOut, cost);
  }

  private add(
    bucket: number,
    base: { pipeline: string; version: number; label: string; source: string },
    dimension: RollupDimension,
    key: string,
    nodeType: string,
    failed: boolean,
    ms: number,
    tokensIn: number,
    tokensOut: number,
    costUsd: number,
  ) {
    const id = `${bucket}\u0000${base.pipeline}\u0000${dimension}\u0000${base.version}\u0000${base.label}\u0000${base.source}\u0000${key}`;
    let cell = this.pending.get(id);
    if (!cell) {
      cell = { resolution: MINUTE, bucket, ...base, dimension, key, nodeType, runs: 0, errors: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, sketch: newSketch() };
      this.pending.set(id, cell);
    }
    cell.runs++;
    if (failed) cell.errors++;
    cell.tokensIn += tokensIn;
    cell.tokensOut += tokensOut;
    cell.costUsd += costUsd;
    cell.sketch.accept(Math.max(0, ms));
  }

  /** Writes what has been observed so far (minute and hour cells). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const minutes = [...this.pending.values()];
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
        h.runs += m.runs;
        h.errors += m.errors;
        h.tokensIn += m.tokensIn;
        h.tokensOut += m.tokensOut;
        h.costUsd += m.costUsd;
        h.sketch.merge(m.sketch);
      }
    }
    try {
      await this.store.merge([...minutes, ...hours.values()]);
    } catch (err) {
      this.onError(err as Error);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
