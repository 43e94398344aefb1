import type { RunStatus } from '@patchbay/core';
import type { CaseStatus, EvalSummary, ScoreResult } from './result-types';

/** An eval's status is a run's: running, then succeeded, failed, cancelled or interrupted. */
export type EvalStatus = RunStatus;

/** The dataset version an eval ran on. */
export interface EvalDatasetRef {
  name: string;
  hash: string;
  cases: number;
}

/**
 * What `GET /api/evals/:id/events` sends, in order: `eval.started`, one
 * `eval.case` per finished case × repeat (in the order they finished), then
 * `eval.completed` or `eval.failed` (failed, cancelled or interrupted).
 */
export type EvalEvent =
  | { type: 'eval.started'; evalId: string; pipeline: string; version: number | null; dataset: EvalDatasetRef; total: number; at: number }
  | {
      type: 'eval.case';
      evalId: string;
      /** The case id. */
      id: string;
      repeat: number;
      status: CaseStatus;
      scores: Record<string, ScoreResult>;
      latencyMs: number;
      error?: string;
      runId?: string;
      /** Progress after this case. */
      done: number;
      total: number;
    }
  | { type: 'eval.completed'; evalId: string; status: 'succeeded'; summary: EvalSummary; at: number }
  | { type: 'eval.failed'; evalId: string; status: Exclude<EvalStatus, 'running' | 'succeeded'>; error: string; at: number };

