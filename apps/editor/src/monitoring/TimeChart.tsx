import { scaleLinear, scaleTime } from 'd3-scale';
import { useId, type KeyboardEvent } from 'react';
import { placeMarkerLabels } from './marker-labels';
import { useWidth } from './use-width';

/**
 * A line chart over time in plain SVG (d3-scale computes the axes): one line per series, a
 * dot per step that had runs (a button: it opens the runs behind it), and each deployment as a
 * dashed vertical line named at its top. Plain SVG rather than a canvas chart so every point is
 * in the DOM — reachable with Tab, named for screen readers, and clickable in the browser tests.
 */

export interface ChartPoint {
  t: number;
  /** null: no value in this step (no runs); the line breaks there. */
  value: number | null;
  /** How many runs (or scores) the value stands for: a dot only where there were some. */
  count: number;
}

export interface ChartSeries {
  key: string;
  color: string;
  points: ChartPoint[];
}

export interface ChartMarker {
  t: number;
  text: string;
}

interface Props {
  title: string;
  from: number;
  to: number;
  series: ChartSeries[];
  markers: ChartMarker[];
  format(value: number): string;
  /** What a dot's name says about its step, e.g. "14:00–15:00". */
  stepText(t: number): string;
  /** Words after the value in a dot's name, e.g. "12 runs". */
  countText(count: number): string;
  /** A dot was chosen: the series and the step's start. */
  onPick?(key: string, t: number): void;
  picked?: { key: string; t: number };
  /** A y axis that ends at least here (1 for rates, so 2% does not fill the chart). */
  minMax?: number;
}

const H = 180;
const M = { top: 18, right: 12, bottom: 22, left: 52 };

/** The path of a series' line, broken where a step has no value. */
function linePath(points: ChartPoint[], x: (t: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p.value == null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.value).toFixed(1)}`;
    pen = true;
  }
  return d;
}

export function TimeChart(p: Props) {
  const titleId = useId();
  const [figure, W] = useWidth<HTMLElement>(360);
  const x = scaleTime().domain([p.from, p.to]).range([M.left, W - M.right]);
  let max = p.minMax ?? 0;
  for (const s of p.series) for (const pt of s.points) if (pt.value != null && pt.value > max) max = pt.value;
  const y = scaleLinear()
    .domain([0, max > 0 ? max : 1])
    .nice(4)
    .range([H - M.bottom, M.top]);
  const xTicks = x.ticks(Math.max(2, Math.floor(W / 90)));
  const xFormat = x.tickFormat();
  const yTicks = y.ticks(4);
  const shown = p.markers.filter((m) => m.t >= p.from && m.t <= p.to);
  const labels = placeMarkerLabels(shown.map((m) => ({ x: x(m.t), text: m.text })), W);
  const onKey = (e: KeyboardEvent, key: string, t: number) => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    e.preventDefault();
    p.onPick?.(key, t);
  };

  return (
    <figure className="time-chart" ref={figure} data-testid={`chart-${p.title}`}>
      <figcaption id={titleId}>{p.title}</figcaption>
      <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="group" aria-labelledby={titleId}>
        <g className="axis" aria-hidden="true">
          {yTicks.map((v) => (
            <g key={v}>
              <line x1={M.left} x2={W - M.right} y1={y(v)} y2={y(v)} className="grid" />
              <text x={M.left - 6} y={y(v)} dy="0.32em" textAnchor="end">
                {p.format(v)}
              </text>
            </g>
          ))}
          {xTicks.map((t) => (
            <text key={+t} x={x(t)} y={H - 6} textAnchor="middle">
              {xFormat(t)}
            </text>
          ))}
        </g>
        {shown.map((m, i) => (
          <g key={`${m.t}-${i}`} className="deploy-marker" data-testid="deploy-marker">
            <title>{m.text}</title>
            <line x1={x(m.t)} x2={x(m.t)} y1={M.top - 4} y2={H - M.bottom} />
            {labels[i] && (
              <text x={labels[i].x} y={M.top - 6 + labels[i].row * 11} textAnchor={labels[i].anchor}>
                {m.text}
              </text>
            )}
          </g>
        ))}
        {p.series.map((s) => (
          <g key={s.key} data-series={s.key}>
            <path d={linePath(s.points, x, y)} fill="none" stroke={s.color} strokeWidth={2} aria-hidden="true" />
            {s.points.map((pt) => {
              if (pt.value == null || pt.count === 0) return null;
              const name = `${s.key}, ${p.stepText(pt.t)}: ${p.format(pt.value)}, ${p.countText(pt.count)}`;
              const picked = p.picked?.key === s.key && p.picked.t === pt.t;
              return (
                <circle
                  key={pt.t}
                  className={picked ? 'point picked' : 'point'}
                  data-testid="chart-point"
                  cx={x(pt.t)}
                  cy={y(pt.value)}
                  r={picked ? 6 : 4}
                  fill={s.color}
                  role="button"
                  tabIndex={0}
                  aria-label={`${name}. Show these runs`}
                  aria-pressed={picked}
                  onClick={() => p.onPick?.(s.key, pt.t)}
                  onKeyDown={(e) => onKey(e, s.key, pt.t)}
                >
                  <title>{name}</title>
                </circle>
              );
            })}
          </g>
        ))}
      </svg>
    </figure>
  );
}
