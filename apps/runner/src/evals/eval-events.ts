import type { CaseRecord, CaseStatus, EvalSummary, ScoreResult } from '@patchbay/evals';
import type { EvalDatasetRef, StoredEval } from '../store/evals';

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
  | { type: 'eval.failed'; evalId: string; status: 'failed' | 'cancelled' | 'interrupted'; error: string; at: number };

export function startedEvent(e: Pick<StoredEval, 'id' | 'pipeline' | 'version' | 'dataset' | 'progress'>, at: number): EvalEvent {
  return { type: 'eval.started', evalId: e.id, pipeline: e.pipeline, version: e.version, dataset: e.dataset, total: e.progress.total, at };
}

export function caseEvent(evalId: string, record: CaseRecord, done: number, total: number): EvalEvent {
  return {
    type: 'eval.case',
    evalId,
    id: record.id,
    repeat: record.repeat ?? 1,
    status: record.status,
    scores: record.scores,
    latencyMs: record.latencyMs,
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.runId !== undefined ? { runId: record.runId } : {}),
    done,
    total,
  };
}

/** The events of an eval that is no longer live, rebuilt from what the store holds. */
export function storedEvents(e: StoredEval, finishOrder: CaseRecord[]): EvalEvent[] {
  const events: EvalEvent[] = [startedEvent(e, Date.parse(e.createdAt))];
  finishOrder.forEach((record, i) => events.push(caseEvent(e.id, record, i + 1, e.progress.total)));
  const at = e.finishedAt ? Date.parse(e.finishedAt) : Date.now();
  if (e.status === 'succeeded' && e.head) events.push({ type: 'eval.completed', evalId: e.id, status: 'succeeded', summary: e.head.summary, at });
  else if (e.status !== 'running' && e.status !== 'succeeded') events.push({ type: 'eval.failed', evalId: e.id, status: e.status, error: e.error ?? e.status, at });
  return events;
}
