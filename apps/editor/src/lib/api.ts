import type { NodeTrace, PipelineDocument, PortSpec, RunEvent, RunStatus } from '@patchbay/core';
import type { JsonSchema } from './config-form';
import { readEventStream } from './event-stream';
import { takeEarly } from './early-fetch';

/** A validation problem as the runner stores it with a version (core's `Problem`). */
export interface Problem {
  path: string;
  code: string;
  message: string;
  nodes?: string[];
}

export interface PipelineSummary {
  name: string;
  title?: string | null;
  description?: string | null;
  latestVersion: number;
  updatedAt?: string;
}

export interface VersionSummary {
  number: number;
  parent?: number | null;
  message: string;
  createdAt: string;
  contentHash: string;
  behaviorHash: string;
  problems: Problem[];
}

export interface VersionRecord extends VersionSummary {
  document: PipelineDocument;
}

export interface SavedVersion {
  number: number;
  contentHash: string;
  behaviorHash: string;
  problems: Problem[];
}

export interface NodeTypeInfo {
  type: string;
  title: string;
  description: string;
  category: string;
  configSchema: JsonSchema;
  templateFields?: string[];
  codeFields?: string[];
  /** The ports of the type's default config (ports of a real node come from core's catalogue). */
  inputs?: PortSpec[];
  outputs?: PortSpec[];
}

export interface ProviderInfo {
  name: string;
  hasKey: boolean;
  offline: boolean;
  models?: string[];
}

export interface RunSummary {
  id: string;
  pipeline: string | null;
  version: number | null;
  status: RunStatus;
  /** Epoch milliseconds. */
  startedAt: number;
  durationMs: number | null;
  error: string | null;
  failedNode?: string | null;
  /** Where the run came from: editor, api, serve, openai, eval, cli. */
  source?: string;
  /** The label it was served under. */
  label?: string | null;
}

export interface RunRecord extends RunSummary {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  /** The inline document the run ran; null when it ran a saved version. */
  document: PipelineDocument | null;
  nodes: Record<string, NodeTrace>;
}

/** An HTTP error with the runner's problem+json detail as its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: any,
  ) {
    super(message);
  }
}

/** The save was refused because a newer version exists (409). */
export class ConflictError extends ApiError {
  constructor(
    readonly latest: number,
    body: unknown,
  ) {
    super(409, `version ${latest} was saved since you opened this one`, body);
  }
}

export type RunRequest = { pipeline: string; version?: number; inputs: Record<string, unknown> } | { document: PipelineDocument; inputs: Record<string, unknown> };

/** One line saying what went wrong, from a problem+json body (its first field error when it has them). */
export function problemMessage(status: number, body: any): string {
  const detail = body?.detail ?? body?.title ?? body?.message ?? `HTTP ${status}`;
  const first = Array.isArray(body?.errors) ? body.errors[0] : Array.isArray(body?.problems) ? body.problems[0] : undefined;
  return first?.message && !String(detail).includes(first.message) ? `${detail}: ${first.path ? `${first.path}: ` : ''}${first.message}` : String(detail);
}

const list = <T>(body: any, key: string): T[] => (Array.isArray(body) ? body : Array.isArray(body?.[key]) ? body[key] : []);

/** The runner's HTTP API. `baseUrl` is '' in the browser (same origin) and the server's URL in tests. */
/** Where the latest version of a pipeline is read (main.tsx asks for it early, see early-fetch.ts). */
export const latestVersionPath = (name: string) => `/api/pipelines/${encodeURIComponent(name)}`;

export function createApi(baseUrl = '', fetchImpl: typeof fetch = (...args) => fetch(...args)) {
  async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const early = method === 'GET' ? takeEarly(baseUrl + path) : undefined;
    const response = await (early ?? fetchImpl(baseUrl + path, {
      method,
      signal,
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }));
    const text = await response.text();
    let parsed: any = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { detail: text };
    }
    if (response.status === 409 && typeof parsed?.latest === 'number') throw new ConflictError(parsed.latest, parsed);
    if (!response.ok) throw new ApiError(response.status, problemMessage(response.status, parsed), parsed);
    return parsed as T;
  }
  const enc = encodeURIComponent;

  return {
    listPipelines: async () => list<PipelineSummary>(await request('GET', '/api/pipelines'), 'pipelines'),
    /** A new pipeline: the document (named by its `name`) becomes version 1; 409 when the name is taken. */
    createPipeline: (document: PipelineDocument) => request<SavedVersion>('POST', '/api/pipelines', document),
    deletePipeline: (name: string) => request<void>('DELETE', `/api/pipelines/${enc(name)}`),
    listVersions: async (name: string) => list<VersionSummary>(await request('GET', `/api/pipelines/${enc(name)}/versions`), 'versions'),
    getVersion: (name: string, n: number) => request<VersionRecord>('GET', `/api/pipelines/${enc(name)}/versions/${n}`),
    latestVersion: async (name: string) => {
      const body = await request<any>('GET', latestVersionPath(name));
      return (body?.version ?? body?.latest ?? body) as VersionRecord;
    },
    saveVersion: (name: string, save: { document: PipelineDocument; message: string; baseVersion: number | null }) =>
      request<SavedVersion>('POST', `/api/pipelines/${enc(name)}/versions`, save),
    nodeTypes: async () => list<NodeTypeInfo>(await request('GET', '/api/node-types'), 'nodeTypes'),
    providers: async () => list<ProviderInfo>(await request('GET', '/api/providers'), 'providers'),
    listRuns: async (pipeline: string, limit = 20) => list<RunSummary>(await request('GET', `/api/runs?pipeline=${enc(pipeline)}&limit=${limit}`), 'runs'),
    getRun: (id: string) => request<RunRecord>('GET', `/api/runs/${enc(id)}`),
    cancelRun: (id: string) => request<unknown>('POST', `/api/runs/${enc(id)}/cancel`, {}),

    /**
     * Starts a run and calls `onEvent` for each streamed event until the run ends.
     * Resolves with the last event (run.completed or run.failed).
     */
    async streamRun(body: RunRequest, onEvent: (event: RunEvent) => void, signal?: AbortSignal): Promise<RunEvent | undefined> {
      const response = await fetchImpl(`${baseUrl}/api/runs?stream=true`, {
        method: 'POST',
        signal,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        // Recorded as the run's source, so the editor's runs are told apart from the API's and serving's.
        body: JSON.stringify({ ...body, source: 'editor' }),
      });
      if (!response.ok || !response.body) {
        const text = await response.text();
        let parsed: any;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = { detail: text };
        }
        throw new ApiError(response.status, problemMessage(response.status, parsed), parsed);
      }
      let last: RunEvent | undefined;
      for await (const message of readEventStream(response.body)) {
        let event: RunEvent;
        try {
          event = { type: message.event, ...JSON.parse(message.data) } as RunEvent;
        } catch {
          continue; // a keep-alive or a frame that is not ours
        }
        last = event;
        onEvent(event);
        if (event.type === 'run.completed' || event.type === 'run.failed') break;
      }
      return last;
    },
  };
}

export type Api = ReturnType<typeof createApi>;
