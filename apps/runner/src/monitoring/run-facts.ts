import type { NodeTrace, RunStatus } from '@patchbay/core';

/**
 * What monitoring reads about one finished run: where it came from and how it
 * went. Built once per run by the run manager; the rollups, Prometheus and
 * OpenTelemetry each take what they need from it.
 */
export interface FinishedRunFacts {
  id: string;
  /** Null for a run of an inline document (not a stored pipeline). */
  pipeline: string | null;
  version: number | null;
  label: string | null;
  source: string | null;
  status: Exclude<RunStatus, 'running'>;
  startedAt: number;
  durationMs: number;
  error: string | null;
  nodes: Record<string, NodeTrace>;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  /** The document that ran (monitors resolve their scorer's target in it). */
  document: unknown;
  /** The W3C `traceparent` of the request that started the run, when it came with one. */
  traceparent?: string;
}

/** A run that counts as an error in rollups and alerts. */
export const isErrorStatus = (status: FinishedRunFacts['status']): boolean => status === 'failed' || status === 'interrupted';

/** Tokens a node's model calls used, input and output. */
export function nodeTokens(trace: NodeTrace): { input: number; output: number } {
  return { input: trace.usage?.promptTokens ?? 0, output: trace.usage?.completionTokens ?? 0 };
}
