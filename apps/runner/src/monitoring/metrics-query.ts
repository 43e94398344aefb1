import { addCounts, type RollupDimension, type RollupStore, type StoredRollupCell } from '../store/rollups';
import { quantile, SketchAccumulator } from './latency-sketch';
import { HOUR, MINUTE } from './rollup-writer';

export const STEPS = { '1m': MINUTE, '5m': 5 * MINUTE, '1h': HOUR, '1d': 24 * HOUR } as const;
export type Step = keyof typeof STEPS;
export type SeriesBy = 'version' | 'label' | 'node' | 'model';

/** At most this many points per series: a range that needs more must use a larger step. */
export const MAX_POINTS = 5_000;

export interface MetricsQuery {
  pipeline: string;
  from: number;
  to: number;
  step: Step;
  by: SeriesBy;
  source?: string;
}

export interface MetricsPoint {
  t: string;
  runs: number;
  errors: number;
  errorRate: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

export interface MetricsSeries {
  key: string;
  /** For `by=node`: the node's type. */
  nodeType?: string;
  points: MetricsPoint[];
}

interface Acc {
  runs: number;
  errors: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  sketch: SketchAccumulator;
}

const seriesKey = (by: SeriesBy, c: StoredRollupCell): string =>
  by === 'version' ? (c.version ? `v${c.version}` : 'unsaved') : by === 'label' ? c.label || '(none)' : c.key;

const dimensionOf = (by: SeriesBy): RollupDimension => (by === 'node' ? 'node' : by === 'model' ? 'model' : 'run');

/** The number of points `query` asks for per series. */
export function pointCount(query: Pick<MetricsQuery, 'from' | 'to' | 'step'>): number {
  const step = STEPS[query.step];
  const from = query.from - (query.from % step);
  return Math.ceil((query.to - from) / step);
}

/**
 * Series over time from the rollups: minute cells for steps under an hour,
 * hour cells otherwise, merged per step (counts add, sketches merge, so the
 * percentiles keep the sketch's 1% relative accuracy at any step). Buckets with
 * no runs are points with zero counts and null percentiles.
 */
export async function queryMetrics(store: RollupStore, query: MetricsQuery): Promise<{ step: Step; series: MetricsSeries[] }> {
  const step = STEPS[query.step];
  const from = query.from - (query.from % step);
  const resolution = step >= HOUR ? HOUR : MINUTE;
  const cells = await store.query({ resolution, pipeline: query.pipeline, dimension: dimensionOf(query.by), from, to: query.to, source: query.source });
  const bySeries = new Map<string, { nodeType: string; buckets: Map<number, Acc> }>();
  for (const c of cells) {
    const key = seriesKey(query.by, c);
    let series = bySeries.get(key);
    if (!series) bySeries.set(key, (series = { nodeType: c.nodeType, buckets: new Map() }));
    const t = c.bucket - ((c.bucket - from) % step);
    let acc = series.buckets.get(t);
    if (!acc) series.buckets.set(t, (acc = { runs: 0, errors: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, sketch: new SketchAccumulator() }));
    addCounts(acc, c);
    acc.sketch.addEncoded(c.sketch);
  }
  const series: MetricsSeries[] = [];
  for (const [key, s] of [...bySeries].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))) {
    const points: MetricsPoint[] = [];
    for (let t = from; t < query.to; t += step) {
      const acc = s.buckets.get(t);
      const sketch = acc?.sketch.toSketch();
      points.push({
        t: new Date(t).toISOString(),
        runs: acc?.runs ?? 0,
        errors: acc?.errors ?? 0,
        errorRate: acc && acc.runs ? acc.errors / acc.runs : 0,
        p50Ms: sketch ? quantile(sketch, 0.5) : null,
        p95Ms: sketch ? quantile(sketch, 0.95) : null,
        p99Ms: sketch ? quantile(sketch, 0.99) : null,
        tokensIn: acc?.tokensIn ?? 0,
        tokensOut: acc?.tokensOut ?? 0,
        costUsd: acc ? Math.round(acc.costUsd * 1e9) / 1e9 : 0,
      });
    }
    series.push(query.by === 'node' ? { key, nodeType: s.nodeType, points } : { key, points });
  }
  return { step: query.step, series };
}
