import { createStore } from 'zustand/vanilla';
import type { MonitoringRange } from '../lib/route';
import type { AlertDelivery, Deployment, MetricsSeries, MonitoringApi, MonitorScoreSeries } from './monitoring-api';
import { windowOf, type TimeWindow } from './time-window';
import type { RunSourceName } from '../runs/run-filter';

export type SeriesBy = 'version' | 'label';

/** One step of one series, chosen by clicking its dot: the runs that finished in it. */
export interface Bucket {
  key: string;
  t: number;
  /** Set when the dot was on a monitor's score chart: only runs that monitor scored. */
  monitor?: string;
}

export interface MonitoringData {
  window: TimeWindow;
  by: SeriesBy;
  series: MetricsSeries[];
  nodes: MetricsSeries[];
  scores: MonitorScoreSeries[];
  deployments: Deployment[];
  alerts: AlertDelivery[];
}

export interface MonitoringState {
  range: MonitoringRange;
  by: SeriesBy;
  /** One source's traffic (`serve`, `openai`, …); undefined: all of it. */
  source?: RunSourceName;
  autoRefresh: boolean;
  data?: MonitoringData;
  loading: boolean;
  error?: string;
  bucket?: Bucket;
  setRange(range: MonitoringRange): void;
  setBy(by: SeriesBy): void;
  setSource(source: RunSourceName | undefined): void;
  setAutoRefresh(on: boolean): void;
  refresh(): Promise<void>;
  pick(bucket: Bucket | undefined): void;
}

/**
 * The Monitoring view's state: what is asked (range, grouping, source), what came back, and the
 * chosen step. One store per open view; `refresh` asks the runner for everything the view draws
 * at once and keeps only the newest answer (a slow old one never overwrites a newer range).
 */
export function createMonitoringStore(api: MonitoringApi, pipeline: string, initial: { range?: MonitoringRange; by?: SeriesBy } = {}) {
  let asked = 0;
  return createStore<MonitoringState>()((set, get) => ({
    range: initial.range ?? '24h',
    by: initial.by ?? 'version',
    autoRefresh: true,
    loading: false,
    setRange: (range) => {
      set({ range, bucket: undefined });
      void get().refresh();
    },
    setBy: (by) => {
      set({ by, bucket: undefined });
      void get().refresh();
    },
    setSource: (source) => {
      set({ source, bucket: undefined });
      void get().refresh();
    },
    setAutoRefresh: (autoRefresh) => set({ autoRefresh }),
    pick: (bucket) => set({ bucket }),
    async refresh() {
      const { range, by, source } = get();
      const mine = ++asked;
      const window = windowOf(range);
      const span = { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), step: window.step };
      set({ loading: true });
      try {
        const [series, nodes, scores, deployments, alerts] = await Promise.all([
          api.metrics({ pipeline, ...span, by, source }),
          api.metrics({ pipeline, ...span, by: 'node', source }),
          api.monitorScores(pipeline, span),
          api.deployments(pipeline),
          api.alerts(pipeline, 20),
        ]);
        if (mine !== asked) return;
        set({ data: { window, by, series: series.series, nodes: nodes.series, scores: scores.series, deployments, alerts }, loading: false, error: undefined });
      } catch (err) {
        if (mine === asked) set({ loading: false, error: (err as Error).message });
      }
    },
  }));
}

export type MonitoringStore = ReturnType<typeof createMonitoringStore>;
