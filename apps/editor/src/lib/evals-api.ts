import { ApiError, problemMessage } from './api';
import { readEventStream } from './event-stream';

/** The runner's eval routes (datasets, evals, compare, scorer types), as the Evals and Compare views use them. */

export interface ScoreResult {
  score: number;
  pass: boolean;
  reason: string;
  error?: string;
}

export interface ScorerSummary {
  mean: number | null;
  passRate: number | null;
  ci: [number, number] | null;
  passCi: [number, number];
  n: number;
}

export interface EvalSummary {
  scorers: Record<string, ScorerSummary>;
  cases: number;
  passed: number;
  failed: number;
  errors: number;
  passRate: number | null;
}

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

export interface CaseRecord {
  id: string;
  repeat: number;
  status: 'passed' | 'failed' | 'error';
  input?: unknown;
  expected?: unknown;
  outputs: Record<string, unknown>;
  scores: Record<string, ScoreResult>;
  latencyMs: number;
  error?: string;
  runId?: string;
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

export type PairedTest = 'mcnemar-exact' | 'sign-flip-exact' | 'sign-flip-monte-carlo' | 'none';

export interface ScorerComparison {
  baseline: number | null;
  current: number | null;
  delta: number | null;
  ci: [number, number] | null;
  pValue: number;
  test: PairedTest;
  n: number;
}

export interface Comparison {
  a: EvalListItem;
  b: EvalListItem;
  baseline: string;
  scorers: Record<string, ScorerComparison>;
  regressed: string[];
  improved: string[];
  unchanged: string[];
  onlyInBaseline: string[];
  onlyInCurrent: string[];
  warnings: string[];
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
