import type { CaseRecord, EvalEvent } from '@patchbay/evals';
import type { StoredEval } from '../store/evals';

export type { EvalEvent } from '@patchbay/evals';

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
