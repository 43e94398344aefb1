import type { CaseRecord, CaseStatus } from './result-types';

/**
 * What statistics need of a case record: its scores and costs, not its outputs.
 * The runner keeps only these in memory, so memory stays flat as outputs grow.
 */
export interface ScoreRow {
  id: string;
  repeat: number;
  status: CaseStatus;
  scores: Record<string, { score: number; pass: boolean }>;
  latencyMs: number;
  tokens: number | null;
  costUsd: number | null;
}

export function toScoreRow(record: CaseRecord): ScoreRow {
  const scores: ScoreRow['scores'] = {};
  for (const [name, s] of Object.entries(record.scores ?? {})) scores[name] = { score: s.score, pass: s.pass };
  return {
    id: record.id,
    repeat: record.repeat ?? 1,
    status: record.status,
    scores,
    latencyMs: record.latencyMs,
    tokens: record.tokens ?? null,
    costUsd: record.costUsd ?? null,
  };
}

export function rowKey(row: { id: string; repeat: number }): string {
  return `${row.id}#${row.repeat}`;
}

/** Rows grouped by case id, in first-seen order. */
export function groupById<T extends { id: string }>(rows: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const g = groups.get(row.id);
    if (g) g.push(row);
    else groups.set(row.id, [row]);
  }
  return groups;
}
