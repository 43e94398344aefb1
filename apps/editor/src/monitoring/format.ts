/** How the Monitoring view writes its figures. */

export function msText(ms: number | null | undefined): string {
  if (ms == null) return '–';
  if (ms === 0) return '0 ms';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export const percentText = (rate: number | null | undefined) => (rate == null ? '–' : `${(rate * 100).toFixed(rate > 0 && rate < 0.01 ? 2 : 1)}%`);

export function costText(usd: number | null | undefined): string {
  if (usd == null) return '–';
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`;
}

const COMPACT = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
export const countText = (n: number | null | undefined) => (n == null ? '–' : COMPACT.format(n));

export const scoreText = (score: number | null | undefined) => (score == null ? '–' : score.toFixed(2));
