import type { NodeTrace } from '@patchbay/core';
import { formatMs } from './duration';

/** A token count as a card's run chip prints it: 950 tok, 12.3k tok. */
export function formatTokens(n: number): string {
  return n < 1000 ? `${n} tok` : `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k tok`;
}

/** A cost in US dollars, two significant digits below a cent. */
export function formatCost(usd: number): string {
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`;
}

/** What a node's run chip says after its status: duration, tokens and cost where the trace has them. */
export function runFigures(trace: NodeTrace | undefined): string[] {
  if (!trace) return [];
  const parts: string[] = [];
  if (trace.durationMs !== undefined) parts.push(formatMs(trace.durationMs));
  if (trace.usage) parts.push(formatTokens(trace.usage.totalTokens));
  if (typeof trace.costUsd === 'number') parts.push(formatCost(trace.costUsd));
  return parts;
}
