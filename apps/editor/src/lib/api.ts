import type { PipelineDocument, RunEvent } from '@patchbay/core';
import { isLastRunEvent } from '@patchbay/core/event-stream';
import { answer, createApiClient, events, type ApiClientOptions } from './api-client';
import type { RunRequest } from './api-types';
import { evalCalls } from './evals-api';
import { deployCalls } from '../deploy/deploy-api';
import { allPages, listPage } from './pages';
import { CUT_CHARACTERS } from './cut-values';

export { ApiError, ConflictError, UnreachableError, problemMessage, answer, events, type ApiClient, type HeaderProvider } from './api-client';
export type * from './api-types';

/** Where the latest version of a pipeline is read (main.tsx asks for it early, see early-fetch.ts). */
export const latestVersionPath = (name: string) => `/api/pipelines/${encodeURIComponent(name)}`;

/**
 * The runner's HTTP API as the editor's pages use it: named calls over the one typed client
 * (`client`, for a route with no named call yet: `answer(api.client.GET('/api/…', …))`).
 */
export function createApi(options: ApiClientOptions = {}) {
  const client = createApiClient(options);
  const name = (name: string) => ({ params: { path: { name } } });

  return {
    client,
    evals: evalCalls(client),
    deploy: deployCalls(client),
    /** A page of the pipelines (the list page's "Load more"); `listPipelines` is all of them, for pickers. */
    pipelinesPage: (cursor?: string) => listPage(client.GET('/api/pipelines', { params: { query: { cursor } } })),
    listPipelines: () => allPages((cursor) => listPage(client.GET('/api/pipelines', { params: { query: { cursor } } }))),
    /** Resolves when the runner accepts `token` (a cheap authenticated read); an ApiError (401) when it does not. */
    checkToken: async (token: string): Promise<void> => {
      await answer(client.GET('/api/pipelines', { params: { query: { limit: 1 } }, headers: { authorization: `Bearer ${token}` } }));
    },
    /** A new pipeline: the document (named by its `name`) becomes version 1; 409 when the name is taken. */
    createPipeline: (document: PipelineDocument) => answer(client.POST('/api/pipelines', { body: document })),
    /** `force`: even though a labelled version of another pipeline calls it (else 409 `label-has-callers`). */
    deletePipeline: (pipeline: string, force = false) =>
      answer(client.DELETE('/api/pipelines/{name}', { params: { path: { name: pipeline }, ...(force ? { query: { force: 'true' as const } } : {}) } })),
    /** A page of a pipeline's versions, newest first; `listVersions` is all of them, for pickers. */
    versionsPage: (pipeline: string, cursor?: string) => listPage(client.GET('/api/pipelines/{name}/versions', { params: { path: { name: pipeline }, query: { cursor } } })),
    listVersions: (pipeline: string) => allPages((cursor) => listPage(client.GET('/api/pipelines/{name}/versions', { params: { path: { name: pipeline }, query: { cursor } } }))),
    /** Resolves when the pipeline exists (one version summary is read); an ApiError 404 `there is no pipeline "NAME"` when it does not. */
    requirePipeline: async (pipeline: string): Promise<void> => {
      await answer(client.GET('/api/pipelines/{name}/versions', { params: { path: { name: pipeline }, query: { limit: 1 } } }));
    },
    getVersion: (pipeline: string, n: number) => answer(client.GET('/api/pipelines/{name}/versions/{n}', { params: { path: { name: pipeline, n } } })),
    latestVersion: (pipeline: string) => answer(client.GET('/api/pipelines/{name}', name(pipeline))),
    saveVersion: (pipeline: string, save: { document: PipelineDocument; message: string; baseVersion: number | null }) =>
      answer(client.POST('/api/pipelines/{name}/versions', { ...name(pipeline), body: save })),
    nodeTypes: () => answer(client.GET('/api/node-types')),
    providers: () => answer(client.GET('/api/providers')),
    listIndexes: () => answer(client.GET('/api/indexes')),
    listTools: () => answer(client.GET('/api/tools')),
    /** Why MCP servers' tools are missing from listTools (a server that did not answer, names that clash). */
    listToolProblems: () => answer(client.GET('/api/tools/problems')),
    listRuns: (pipeline: string, limit = 20) => answer(client.GET('/api/runs', { params: { query: { pipeline, limit } } })),
    /** The version a `pipeline`/`map` node's reference resolves to now, with its ports. */
    resolveRef: (ref: string) => answer(client.GET('/api/pipeline-refs/{ref}', { params: { path: { ref } } })),
    /** A pipeline's label names (none where it has none, or the runner has no labels). */
    listLabels: async (pipeline: string): Promise<string[]> => {
      try {
        return Object.keys((await answer(client.GET('/api/pipelines/{name}/labels', name(pipeline)))).labels ?? {});
      } catch {
        return [];
      }
    },
    /** A run with its trace; values longer than CUT_CHARACTERS are placeholders (cut-values.ts), `runValue` gives one whole. */
    getRun: (id: string) => answer(client.GET('/api/runs/{id}', { params: { path: { id }, query: { cut: CUT_CHARACTERS } } })),
    /** One whole value of a run, by the hash its placeholder gives. */
    runValue: (id: string, hash: string): Promise<unknown> => answer(client.GET('/api/runs/{id}/values/{hash}', { params: { path: { id, hash } } })),
    cancelRun: (id: string) => answer(client.POST('/api/runs/{id}/cancel', { params: { path: { id } } })),

    /** The events of a run that started elsewhere (a reload, another tab): past ones replayed, then live, until it ends; long values cut as getRun's. */
    async followRun(id: string, onEvent: (event: RunEvent) => void, signal?: AbortSignal): Promise<void> {
      const stream = client.GET('/api/runs/{id}/events', { params: { path: { id }, query: { cut: CUT_CHARACTERS } }, headers: { accept: 'text/event-stream' }, parseAs: 'stream', signal });
      for await (const event of events<RunEvent>(stream, isLastRunEvent)) onEvent(event);
    },

    /**
     * Starts a run and calls `onEvent` for each streamed event until the run ends (long values cut as getRun's).
     * Resolves with the last event (run.completed or run.failed).
     */
    async streamRun(body: RunRequest, onEvent: (event: RunEvent) => void, signal?: AbortSignal): Promise<RunEvent | undefined> {
      // Recorded as the run's source, so the editor's runs are told apart from the API's and serving's.
      const started = client.POST('/api/runs', { params: { query: { stream: 'true', cut: CUT_CHARACTERS } }, body: { ...body, source: 'editor' }, headers: { accept: 'text/event-stream' }, parseAs: 'stream', signal });
      let last: RunEvent | undefined;
      for await (const event of events<RunEvent>(started, isLastRunEvent)) {
        last = event;
        onEvent(event);
      }
      return last;
    },
  };
}

export type Api = ReturnType<typeof createApi>;
