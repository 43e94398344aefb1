// Type-only: the evals package is Node code, and `import type` is erased, so none of it reaches the bundle.
import type { CaseRecord, EvalSummary, Comparison as PairedComparison, ScoreResult, ScorerComparison as FullScorerComparison } from '@patchbay/evals';
import { ApiError, problemMessage } from './api';
import { readEventStream } from './event-stream';

/** The runner's eval routes (datasets, evals, compare, scorer types), as the Evals and Compare views use them. */

// The runner sends these as the evals package writes them.
export type { CaseRecord, EvalSummary, PairedTest, ScoreResult, ScorerSummary } from '@patchbay/evals';

export type EvalStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export interface EvalListItem {
  id: string;
  pipeline: string;
  version: number | null;
  dataset: { name: string; hash: string; cases: number };
  suite: string;
  scorers: string[];
  status: EvalStatus;
  progress: { done: number; total: number };
  summary: EvalSummary | null;
  baseline: string | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface EvalResult {
  id: string;
  status: EvalStatus;
  progress: { done: number; total: number };
  error?: string;
  baseline: string | null;
  pipeline: { name: string; behaviorHash: string; version?: number };
  dataset: { name: string; hash: string; cases: number };
  scorers: Array<{ name: string; type?: string; target?: string }>;
  summary: EvalSummary;
  cases: CaseRecord[];
  createdAt: string;
  finishedAt: string | null;
}

/** What the verdict reads of a scorer's comparison (the runner also sends the pass-rate comparison, `pass`). */
export type ScorerComparison = Omit<FullScorerComparison, 'pass'>;

/** `GET /api/compare`: the evals package's comparison of the two, with both evals as listed. */
export interface Comparison extends PairedComparison {
  a: EvalListItem;
  b: EvalListItem;
}

export interface DatasetSummary {
  name: string;
  hash: string;
  caseCount: number;
  versions: number;
  uploadedAt: string;
}

export interface ScorerType {
  type: string;
  description: string;
  paramsSchema: { properties?: Record<string, { type?: string; description?: string; enum?: unknown[] }>; required?: string[] };
  defaultThreshold: number;
  readsTarget: boolean;
  needsExpected: boolean;
}

export interface ScorerSpec {
  name?: string;
  type: string;
  target?: string;
  threshold?: number;
  params?: Record<string, unknown>;
}

export interface StartEvalRequest {
  pipeline: string;
  version: number;
  dataset: string;
  suite: { scorers: ScorerSpec[]; repeat?: number; concurrency?: number };
  baseline?: string;
}

export type EvalEvent =
  | { type: 'eval.started'; evalId: string; total: number }
  | { type: 'eval.case'; evalId: string; id: string; repeat: number; status: CaseRecord['status']; scores: Record<string, ScoreResult>; done: number; total: number }
  | { type: 'eval.completed'; evalId: string; summary: EvalSummary }
  | { type: 'eval.failed'; evalId: string; status: EvalStatus; error: string };

export function createEvalsApi(baseUrl = '', fetchImpl: typeof fetch = (...args) => fetch(...args)) {
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetchImpl(baseUrl + path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { detail: text };
    }
    if (!response.ok) throw new ApiError(response.status, problemMessage(response.status, parsed), parsed);
    return parsed as T;
  }
  const enc = encodeURIComponent;

  return {
    scorerTypes: () => request<ScorerType[]>('GET', '/api/scorer-types'),
    datasets: () => request<DatasetSummary[]>('GET', '/api/datasets'),
    uploadDataset: (name: string, content: string, format: 'jsonl' | 'csv' | 'json') => request<DatasetSummary>('POST', '/api/datasets', { name, content, format }),
    listEvals: (pipeline: string) => request<EvalListItem[]>('GET', `/api/evals?pipeline=${enc(pipeline)}`),
    getEval: (id: string) => request<EvalResult>('GET', `/api/evals/${enc(id)}`),
    startEval: (body: StartEvalRequest) => request<{ id: string }>('POST', '/api/evals', body),
    cancelEval: (id: string) => request<{ id: string; status: EvalStatus }>('POST', `/api/evals/${enc(id)}/cancel`, {}),
    /** Runs the rest of an interrupted or cancelled eval; its finished cases are kept. */
    resumeEval: (id: string) => request<{ id: string; status: EvalStatus }>('POST', `/api/evals/${enc(id)}/resume`, {}),
    compare: (a: string, b: string) => request<Comparison>('GET', `/api/compare?a=${enc(a)}&b=${enc(b)}`),

    /** Follows an eval's progress (past events first) until it ends or `signal` aborts. */
    async followEval(id: string, onEvent: (event: EvalEvent) => void, signal?: AbortSignal): Promise<void> {
      const response = await fetchImpl(`${baseUrl}/api/evals/${enc(id)}/events`, { signal, headers: { accept: 'text/event-stream' } });
      if (!response.ok || !response.body) throw new ApiError(response.status, `could not follow eval ${id} (HTTP ${response.status})`, undefined);
      for await (const message of readEventStream(response.body)) {
        let event: EvalEvent;
        try {
          event = JSON.parse(message.data) as EvalEvent;
        } catch {
          continue;
        }
        onEvent(event);
        if (event.type === 'eval.completed' || event.type === 'eval.failed') return;
      }
    },
  };
}

export type EvalsApi = ReturnType<typeof createEvalsApi>;
