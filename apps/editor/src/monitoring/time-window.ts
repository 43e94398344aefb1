import type { MonitoringRange } from '../lib/route';
import type { MetricsStep } from './monitoring-api';

/**
 * What each range of the picker asks `/api/metrics` for: the step keeps every chart between 24 and
 * 168 points, so each point is wide enough to click and a month is one point a day.
 */
export const RANGES: Record<MonitoringRange, { ms: number; step: MetricsStep; stepMs: number; title: string }> = {
  '1h': { ms: 3_600_000, step: '1m', stepMs: 60_000, title: 'last hour' },
  '24h': { ms: 86_400_000, step: '1h', stepMs: 3_600_000, title: 'last 24 hours' },
  '7d': { ms: 7 * 86_400_000, step: '1h', stepMs: 3_600_000, title: 'last 7 days' },
  '30d': { ms: 30 * 86_400_000, step: '1d', stepMs: 86_400_000, title: 'last 30 days' },
};

/** How often the view reloads while auto-refresh is on. */
export const REFRESH_MS = 15_000;

export interface TimeWindow {
  range: MonitoringRange;
  /** Epoch ms; `from` is on a step boundary, as the runner's first point is. */
  from: number;
  to: number;
  step: MetricsStep;
  stepMs: number;
}

/** The window of `range` that ends now. */
export function windowOf(range: MonitoringRange, now = Date.now()): TimeWindow {
  const { ms, step, stepMs } = RANGES[range];
  const start = now - ms;
  return { range, from: start - (start % stepMs), to: now, step, stepMs };
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const DAY_TIME = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
// The runner's day steps are UTC days (a day here is 23 or 25 hours at a change of summer time): named as such.
const UTC_DAY = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** One step as people read it: "14:05–14:06", "3 Dec 14:00–15:00", "3 Dec (UTC)". */
export function stepText(t: number, stepMs: number): string {
  if (stepMs >= 86_400_000) return `${UTC_DAY.format(t)} (UTC)`;
  return `${DAY_TIME.format(t)}–${TIME.format(t + stepMs)}`;
}

export const timeText = (t: number) => DAY_TIME.format(t);
