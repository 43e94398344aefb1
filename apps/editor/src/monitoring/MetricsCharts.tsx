import type { Deployment, MetricsPoint, MetricsSeries, MonitorScoreSeries } from './monitoring-api';
import type { Bucket, MonitoringData } from './monitoring-store';
import { costText, countText, msText, percentText, scoreText } from './format';
import { stepText, type TimeWindow } from './time-window';
import { TimeChart, type ChartMarker, type ChartSeries } from './TimeChart';

/** Mid-tone colours that stand out from both the light and the dark background. */
const COLORS = ['#2563eb', '#d97706', '#16a34a', '#db2777', '#7c3aed', '#0891b2', '#dc2626', '#65a30d'];
export const colorOf = (keys: string[], key: string) => COLORS[Math.max(0, keys.indexOf(key)) % COLORS.length];

interface Metric {
  title: string;
  value(p: MetricsPoint): number | null;
  format(v: number): string;
  minMax?: number;
}

/** What the charts show of each step; a step with no runs has no error rate or latency. */
const METRICS: Metric[] = [
  { title: 'Throughput (runs per step)', value: (p) => p.runs, format: countText },
  { title: 'Error rate', value: (p) => (p.runs ? p.errorRate : null), format: percentText, minMax: 0.05 },
  { title: 'Latency p50', value: (p) => p.p50Ms, format: msText },
  { title: 'Latency p95', value: (p) => p.p95Ms, format: msText },
  { title: 'Latency p99', value: (p) => p.p99Ms, format: msText },
  { title: 'Tokens (in + out)', value: (p) => p.tokensIn + p.tokensOut, format: countText },
  { title: 'Cost (USD)', value: (p) => p.costUsd, format: costText },
];

/** A label move as the charts name it: "production → v3" (or "production removed"). */
export function markerOf(d: Deployment): ChartMarker {
  return { t: Date.parse(d.at), text: d.to == null ? `${d.label} removed` : `${d.label} → v${d.to}${d.forced ? ' (forced)' : ''}` };
}

const runsText = (n: number) => `${n} run${n === 1 ? '' : 's'}`;
const scoresText = (n: number) => `${n} score${n === 1 ? '' : 's'}`;

function chartSeries(series: MetricsSeries[], keys: string[], metric: Metric): ChartSeries[] {
  return series.map((s) => ({
    key: s.key,
    color: colorOf(keys, s.key),
    points: s.points.map((p) => ({ t: Date.parse(p.t), value: metric.value(p), count: p.runs })),
  }));
}

/** Score series keyed by version, as the metrics series are (`v3`, `unsaved`). */
function scoreSeries(scores: MonitorScoreSeries[], keys: string[]): ChartSeries[] {
  return scores.map((s) => {
    const key = s.version ? `v${s.version}` : 'unsaved';
    return { key, color: colorOf(keys, key), points: s.points.map((p) => ({ t: Date.parse(p.t), value: p.mean, count: p.count })) };
  });
}

interface Props {
  data: MonitoringData;
  bucket?: Bucket;
  onPick(bucket: Bucket): void;
}

/** Every chart of the view over one window, with a shared legend and the deployments in it. */
export function MetricsCharts({ data, bucket, onPick }: Props) {
  const w: TimeWindow = data.window;
  const keys = [...new Set([...data.series.map((s) => s.key), ...data.scores.map((s) => (s.version ? `v${s.version}` : 'unsaved'))])];
  const markers = data.deployments.map(markerOf).sort((a, b) => a.t - b.t);
  const inRange = markers.filter((m) => m.t >= w.from && m.t <= w.to);
  const step = (t: number) => stepText(t, w.stepMs);
  const monitors = [...new Set(data.scores.map((s) => s.monitor))];
  const common = { from: w.from, to: w.to, markers, stepText: step };

  return (
    <section className="monitoring-card wide" aria-labelledby="charts-heading">
      <h2 id="charts-heading">Over time, by {data.by}</h2>
      {keys.length === 0 ? (
        <p className="muted" data-testid="no-traffic">
          No finished runs in the {w.range === '1h' ? 'last hour' : `last ${w.range}`}. Runs of any source (editor, API, serving) are counted as they finish.
        </p>
      ) : (
        <ul className="legend" aria-label="Series">
          {keys.map((k) => (
            <li key={k}>
              <span className="swatch" style={{ background: colorOf(keys, k) }} aria-hidden="true" />
              {k}
            </li>
          ))}
        </ul>
      )}
      {inRange.length > 0 && (
        <p className="muted" data-testid="deployments-in-range">
          Deployments: {inRange.map((m) => `${m.text} at ${new Date(m.t).toLocaleString()}`).join(' · ')}
        </p>
      )}
      <div className="chart-grid">
        {METRICS.map((metric) => (
          <TimeChart
            key={metric.title}
            title={metric.title}
            {...common}
            series={chartSeries(data.series, keys, metric)}
            format={metric.format}
            minMax={metric.minMax}
            countText={runsText}
            picked={bucket && !bucket.monitor ? bucket : undefined}
            onPick={(key, t) => onPick({ key, t })}
          />
        ))}
        {monitors.map((monitor) => (
          <TimeChart
            key={`monitor-${monitor}`}
            title={`Monitor ${monitor} (mean score)`}
            {...common}
            series={scoreSeries(
              data.scores.filter((s) => s.monitor === monitor),
              keys,
            )}
            format={scoreText}
            minMax={1}
            countText={scoresText}
            picked={bucket?.monitor === monitor ? bucket : undefined}
            onPick={(key, t) => onPick({ key, t, monitor })}
          />
        ))}
      </div>
    </section>
  );
}
