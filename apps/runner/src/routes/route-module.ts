import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Services } from '@patchbay/core';
import type { Redactor } from '../http/secrets';
import type { EvalManager } from '../evals/eval-manager';
import type { JobRegistry } from '../jobs/job-registry';
import type { RunManager } from '../runs/run-manager';
import type { Store } from '../store/index';
import type { Monitoring } from '../monitoring/monitoring';
import type { KeyRevocations } from '../deploy/key-revocations';
import type { ReachProbe } from '../reach-probe';

/** A retrieval index as listed by the store of "Models, retrieval and tools". */
export interface IndexInfo {
  name: string;
  chunks: number;
  embeddingModel: string | null;
}

/** What the index routes need from the retrieval store (`openRetrievalStore` in @patchbay/core/node). */
export interface IndexService {
  /** Scaled out, also the indexes other servers published to the store. */
  listIndexes(): IndexInfo[] | Promise<IndexInfo[]>;
  ingest(
    index: string,
    items: { text: string; source?: string; id?: string; metadata?: Record<string, unknown> }[],
    options?: { embeddingModel?: string | null; chunkSize?: number; overlap?: number },
  ): Promise<{ chunks: number }>;
  search: Services['retrieval']['search'];
  /** Scaled out: publishes the index to the store after an ingest (its artifact), before the ingest is answered. */
  published?(index: string): Promise<void>;
}

/** Everything a route module may use; built once by startServer. */
export interface AppDeps {
  store: Store;
  /** Live jobs: runs, evals, and kinds other modules define (start, cancel, events). */
  jobs: JobRegistry;
  /** Scaled out (`--queue`): whether the queue's Redis answers, for `/healthz`. */
  queueReach?: ReachProbe;
  runs: RunManager;
  evals: EvalManager;
  services: Partial<Services>;
  indexes?: IndexService;
  /** `GET /api/providers`: configured providers, never a key. */
  providers(): unknown[];
  /** Why a model cannot be called in this workspace (unknown provider, missing key), or null: evals are refused up front. */
  modelUnavailable?(model: string): string | null;
  redactor: Redactor;
  /** Rollups, Prometheus and OpenTelemetry; absent in apps built without it. */
  monitoring?: Monitoring;
  /** Bearer tokens `GET /metrics` accepts (the API token, PATCHBAY_METRICS_TOKEN); none: open like the API. */
  metricsTokens?: string[];
  /** Ends the streams of a serving key when it is revoked; absent in apps built without a store. */
  keyRevocations?: KeyRevocations;
  log(line: string): void;
}

export type ApiApp = OpenAPIHono;

/**
 * One resource's routes. Adding a resource (datasets, evals) is one file that
 * exports a RouteModule, plus one line in routes/index.ts; its routes appear
 * in /api/openapi.json and /api/docs by themselves.
 */
export interface RouteModule {
  name: string;
  register(app: ApiApp, deps: AppDeps): void;
}
