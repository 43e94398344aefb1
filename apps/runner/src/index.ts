// @patchbay/runner — the HTTP service. `startServer` is what `patchbay serve` and the tests start.
export { startServer, isLoopbackHost, DEFAULT_HOST, DEFAULT_PORT, type ServerOptions, type RunningServer } from './server';
export { createApp, DEFAULT_BODY_LIMIT_BYTES, type AppOptions } from './app';
export { routeModules, type RouteModule, type AppDeps, type IndexService, type ApiApp } from './routes/index';
export { RunManager, RUN_JOB, type StartRun, type RunJob } from './runs/run-manager';
export { HttpProblem, problemResponse, type ProblemDetails, type FieldError } from './http/problem';
export { Redactor } from './http/secrets';
export * from './store/index';
export { EvalManager, EVAL_JOB, type StartEval, type EvalJob } from './evals/eval-manager';
export type { EvalEvent } from './evals/eval-events';
export { loadDatasetInput, saveDataset, type DatasetInput, type DatasetFormat } from './evals/dataset-input';
export { jobKind, JobsClosedError, type JobRegistry, type JobKind, type JobContext, type JobProcessor, type JobListener, type LiveJobView } from './jobs/job-registry';
export { InProcessJobRegistry } from './jobs/in-process-registry';
export { openApiDocument } from './openapi-document';
export type { PromotionEvent, PromotionOutcome } from './deploy/promotion';
export type { CutValue } from './runs/value-cut';
