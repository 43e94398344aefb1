import { setTimeout as sleep } from 'node:timers/promises';
import { createRoute, z } from '@hono/zod-openapi';
import { RUN_STATUSES } from '@patchbay/core';
import type { CaseRecord, Comparison, EvalSummary, GateReport } from '@patchbay/evals';
import { GateSchema, prepareEvalSession, ScorerSpecSchema, SuiteError, type EvalSuite } from '@patchbay/evals';
import { evalListItem, evalResultView } from '../evals/eval-views';
import { HttpProblem } from '../http/problem';
import { refuseSecretValues } from '../http/secrets';
import { EVAL_JOB } from '../evals/eval-manager';
import { jsonContent, orNull, packageType, PipelineNameSchema, pipelineFilter, problemResponses } from './common-schemas';
import { pageHeaders, pageQuery, servePage } from './paging';
import { DatasetNameSchema } from './datasets';
import { jobEventsResponse, resumeFrom } from './job-events-stream';
import type { AppDeps, RouteModule } from './route-module';
import type { DatasetRecord } from '../store/datasets';
import type { StoredEval } from '../store/evals';
import { missingVersion } from '../pipelines/missing-version';
import { cutCases } from '../evals/case-values-cut';
import { suiteOnDataset } from '../evals/suite-on-dataset';
import { cutParam } from './runs';

// An eval's status is a run's (core's RUN_STATUSES).
const EVAL_STATUSES = RUN_STATUSES;

export const SuiteBody = z
  .strictObject({
    name: z.string().min(1).max(200).optional().openapi({ description: 'Names the suite in results; default "api"' }),
    scorers: z.array(ScorerSpecSchema).min(1, 'an eval needs at least one scorer'),
    repeat: z.number().int().min(1).max(100).optional(),
    concurrency: z.number().int().min(1).max(256).optional(),
    seed: z.union([z.string(), z.number()]).optional(),
    gate: GateSchema.optional(),
  })
  .openapi('EvalSuite', { description: 'A patchbay.eval/v1 suite without its dataset (the stored dataset is used)' });

const StartBody = z
  .strictObject({
    pipeline: PipelineNameSchema,
    version: z.number().int().min(1).optional().openapi({ description: 'Default: the latest' }),
    dataset: DatasetNameSchema,
    datasetHash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex').optional().openapi({ description: 'A version of the dataset; default the latest' }),
    suite: SuiteBody,
    baseline: z.string().min(1).max(100).optional().openapi({ description: 'A finished eval to compare with (and gate against) when this one ends' }),
  })
  .openapi('StartEval');

const IdParams = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });

const EvalSummarySchema = packageType<EvalSummary>('EvalSummary', '@patchbay/evals#EvalSummary', 'Per scorer: mean, pass rate and a 95% interval; with counts, latency, tokens and cost');
const CaseRecordSchema = packageType<CaseRecord>('CaseRecord', '@patchbay/evals#CaseRecord', 'One case × repeat: its outputs, each scorer\'s {score, pass, reason}, latency, tokens and cost');
const DatasetRefSchema = z.object({ name: z.string(), hash: z.string(), cases: z.number().int() });
const ProgressSchema = z.object({ done: z.number().int(), total: z.number().int() });

export const EvalListItemSchema = z
  .object({
    id: z.string(),
    pipeline: z.string(),
    version: z.number().int().nullable(),
    dataset: DatasetRefSchema,
    suite: z.string(),
    scorers: z.array(z.string()),
    status: z.enum(EVAL_STATUSES),
    progress: ProgressSchema,
    summary: orNull(EvalSummarySchema, 'Once there is one'),
    baseline: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi('EvalListItem');

const EvalResultSchema = z
  .object({
    id: z.string(),
    status: z.enum(EVAL_STATUSES),
    progress: ProgressSchema,
    error: z.string().optional(),
    baseline: z.string().nullable(),
    format: z.literal('patchbay.eval-result/v1').optional(),
    suite: z.string(),
    pipeline: z.object({ name: z.string(), behaviorHash: z.string(), version: z.number().int().optional() }),
    dataset: z.object({ name: z.string(), hash: z.string(), cases: z.number().int(), source: z.string().optional() }),
    repeat: z.number().int().optional(),
    seed: z.string().optional(),
    createdAt: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    scorers: z.array(z.object({ name: z.string(), type: z.string().optional(), target: z.string().optional() }).catchall(z.unknown())),
    summary: EvalSummarySchema,
    cases: z.array(CaseRecordSchema),
    comparison: packageType<Comparison>('EvalComparison', '@patchbay/evals#Comparison', 'The comparison with the baseline eval').optional(),
    gates: packageType<GateReport>('GateReport', '@patchbay/evals#GateReport', 'Each gate: passed or not, and why').optional(),
  })
  .openapi('EvalResult', {
    description: 'The result JSON of `patchbay eval --out` (suite, pipeline, dataset, startedAt, finishedAt, summary, cases, comparison?, gates?) with the id, status and progress',
  });

const start = createRoute({
  method: 'post',
  path: '/api/evals',
  tags: ['evals'],
  summary: 'Start an eval of a pipeline version on a stored dataset',
  description:
    'Checks everything before a case runs: 404 for an unknown pipeline, version, dataset or baseline; 422 when the version has problems, a scorer target is not in the pipeline, a case\'s input does not fit it, or a model it names cannot be called here (unknown provider, missing key: `model-unavailable`); 400 for a bad suite. Answers 201 `{id}`; progress at `/api/evals/{id}/events`.',
  request: { body: { required: true, content: { 'application/json': { schema: StartBody } } } },
  responses: {
    201: jsonContent(z.object({ id: z.string(), status: z.enum(EVAL_STATUSES) }).openapi('EvalStarted'), 'The eval started'),
    ...problemResponses(400, 401, 404, 409, 413, 415, 422),
  },
});

const list = createRoute({
  method: 'get',
  path: '/api/evals',
  tags: ['evals'],
  summary: 'Eval results, newest first (of one pipeline with `?pipeline=`)',
  request: { query: z.object({ pipeline: pipelineFilter().optional(), ...pageQuery(100) }) },
  responses: { 200: { ...jsonContent(z.array(EvalListItemSchema), 'Evals'), headers: pageHeaders }, ...problemResponses(400, 401) },
});

const get = createRoute({
  method: 'get',
  path: '/api/evals/{id}',
  tags: ['evals'],
  summary: 'One eval: the full result with every case, its status and progress',
  description:
    'With `?cut=N`, each case\'s input field, expected, output or target longer than N characters is a placeholder (`{"$patchbayCut": {hash, type, chars, preview}}`, as GET /api/runs/{id}?cut=N gives), and `GET /api/runs/{runId}/values/{hash}` (the case\'s `runId`) gives its input, output or target whole (its expected is the dataset\'s).',
  request: {
    params: IdParams,
    query: z.object({
      cut: cutParam(
        'Give each case\'s input field, expected, output and target longer than this many characters as `{"$patchbayCut": {hash, type, chars, preview}}`: its SHA-256, `string` or `json`, its length and its first N characters. Without it every case is given whole.',
      ),
    }),
  },
  responses: { 200: jsonContent(EvalResultSchema, 'The eval'), ...problemResponses(401, 404) },
});

const events = createRoute({
  method: 'get',
  path: '/api/evals/{id}/events',
  tags: ['evals'],
  summary: "An eval's progress as Server-Sent Events",
  description: '`eval.started`, `eval.case` {id, repeat, status, scores, done, total} per finished case, then `eval.completed` {summary} or `eval.failed` {status, error}. Past events are replayed, then live ones follow. `Last-Event-ID` resumes after that event; one this stream never sent (not a whole number, or past the last event of a finished one) is a 400.',
  request: { params: IdParams },
  responses: { 200: { description: 'Event stream', content: { 'text/event-stream': { schema: z.string() } } }, ...problemResponses(400, 401, 404) },
});

const resume = createRoute({
  method: 'post',
  path: '/api/evals/{id}/resume',
  tags: ['evals'],
  summary: 'Continue an interrupted or cancelled eval: its finished cases are kept, the rest run',
  description:
    'Runs the cases the eval has not finished with the same pipeline version, dataset version and suite; its events stream replays the kept cases first. 409 `eval-not-resumable` when it is not interrupted or cancelled, or what it ran with is gone or changed; 422 as for a new eval.',
  request: { params: IdParams },
  responses: {
    200: jsonContent(z.object({ id: z.string(), status: z.enum(EVAL_STATUSES) }).openapi('EvalResumed'), 'The eval, running again'),
    ...problemResponses(401, 404, 409, 422),
  },
});

const cancel = createRoute({
  method: 'post',
  path: '/api/evals/{id}/cancel',
  tags: ['evals'],
  summary: 'Cancel a running eval (finished cases are kept)',
  request: { params: IdParams },
  responses: {
    200: jsonContent(z.object({ id: z.string(), status: z.enum(EVAL_STATUSES) }).openapi('EvalCancelled'), "The eval's status after cancelling"),
    ...problemResponses(401, 404, 409),
  },
});

/** A 404 for what a body field names (`type`: what is missing), at that field. */
const missing = (type: string, detail: string, path: string) => new HttpProblem(404, detail, { type, errors: [{ path, message: detail }] });

async function startEval(deps: AppDeps, body: z.infer<typeof StartBody>): Promise<string> {
  const { store } = deps;
  const version = body.version === undefined ? await store.versions.latest(body.pipeline) : await store.versions.get(body.pipeline, body.version);
  if (!version) {
    const { pipelineExists, message } = body.version === undefined ? { pipelineExists: false, message: `there is no pipeline "${body.pipeline}"` } : await missingVersion(store, body.pipeline, body.version);
    throw pipelineExists ? missing('version-not-found', message, '$.version') : missing('pipeline-not-found', message, '$.pipeline');
  }
  const dataset = await store.datasets.get(body.dataset, body.datasetHash);
  if (!dataset) throw body.datasetHash ? missing('dataset-not-found', `dataset "${body.dataset}" has no version ${body.datasetHash}`, '$.datasetHash') : missing('dataset-not-found', `there is no dataset "${body.dataset}"`, '$.dataset');
  let baseline;
  if (body.baseline !== undefined) {
    baseline = await store.evals.get(body.baseline);
    if (!baseline) throw missing('eval-not-found', `there is no eval "${body.baseline}" to use as the baseline`, '$.baseline');
    if (baseline.status === 'running') throw new HttpProblem(409, `the baseline eval "${body.baseline}" is still running`, { type: 'eval-running' });
    await refuseDisjointBaseline(deps, baseline, dataset);
  }
  // The eval session checks the rest (the version's problems, models, targets, every case), as `patchbay eval` does; its errors map to 4xx.
  const suite = suiteOnDataset({ ...body.suite, name: body.suite.name ?? 'api' }, dataset, '$.suite');
  const session = await prepareEvalSession(
    { pipeline: version.document, pipelineVersion: version.number, subject: `version ${version.number} of "${version.pipeline}"`, suite },
    { modelUnavailable: deps.modelUnavailable, pipelines: deps.services.pipelines },
  );
  return deps.evals.start({ session, pipeline: version.pipeline, version: version.number, dataset, baseline });
}

/**
 * A baseline pairs with the new eval by case id: one that shares none (another dataset) would compare nothing and
 * leave `fail-on regression` to fail for want of pairs. Refused as GET /api/compare refuses such a pair.
 */
async function refuseDisjointBaseline(deps: AppDeps, baseline: StoredEval, dataset: DatasetRecord): Promise<void> {
  // Ids only: a baseline's whole records (outputs, scores, traces) are not read and parsed to be compared by id.
  const ids = new Set(await deps.store.evals.caseIds(baseline.id));
  if (dataset.cases.some((c) => ids.has(c.id))) return;
  const ranOn = baseline.dataset.name === dataset.name ? `another version of dataset "${dataset.name}"` : `dataset "${baseline.dataset.name}"`;
  const detail = `the baseline eval "${baseline.id}" shares no case id with dataset "${dataset.name}" (it ran on ${ranOn}): there is nothing to pair`;
  throw new HttpProblem(400, detail, { type: 'nothing-to-compare', errors: [{ path: '$.baseline', message: 'no case id in common with the dataset' }] });
}

/** How long a cancel that reached no coordinator waits to know whether it died (its heartbeat lapses 15 s after). */
const ABANDON_KNOWN_MS = 20_000;

/**
 * Scaled out, an eval whose coordinating server died (and was not started again on its host, which would mark
 * it interrupted) is left `running` with no process to end it: ended as `status` here, so that it can be resumed
 * or cancelled from any server. False when its coordinator is alive, or cannot be known to be gone.
 */
async function endAbandoned(deps: AppDeps, id: string, status: 'interrupted' | 'cancelled', error: string): Promise<boolean> {
  if (!(await deps.jobs.abandoned?.(EVAL_JOB, id))) return false;
  await deps.store.evals.finish(id, { status, error });
  return (await deps.store.evals.get(id))?.status === status;
}

/** Runs the rest of an interrupted or cancelled eval with what it started with: the same version, dataset version and suite. */
async function resumeEval(deps: AppDeps, id: string): Promise<void> {
  const { store } = deps;
  const stored = await store.evals.get(id);
  if (!stored) throw new HttpProblem(404, `there is no eval "${id}"`, { type: 'eval-not-found' });
  if (stored.status === 'running' && (await endAbandoned(deps, id, 'interrupted', 'the server coordinating it stopped before the eval ended'))) stored.status = 'interrupted';
  const notResumable = (why: string) => new HttpProblem(409, `eval "${id}" cannot be resumed: ${why}`, { type: 'eval-not-resumable', evalStatus: stored.status });
  if (stored.status !== 'interrupted' && stored.status !== 'cancelled') throw notResumable(`it is ${stored.status} (only an interrupted or cancelled eval can be)`);
  const version = stored.version === null ? undefined : await store.versions.get(stored.pipeline, stored.version);
  if (!version) throw notResumable(`version ${stored.version ?? '(none)'} of "${stored.pipeline}" is not in this store`);
  const dataset = await store.datasets.get(stored.dataset.name, stored.dataset.hash);
  if (!dataset) throw notResumable(`dataset "${stored.dataset.name}" version ${stored.dataset.hash.slice(0, 12)} is not in this store`);
  let suite: EvalSuite;
  try {
    const { suite: name, scorers, repeat, seed, concurrency, gate } = stored.spec;
    suite = suiteOnDataset({ name, scorers, repeat, seed, ...(concurrency ? { concurrency } : {}), ...(gate ? { gate } : {}) }, dataset, `eval "${id}"`);
  } catch (err) {
    if (!(err instanceof SuiteError)) throw err;
    throw notResumable(`its stored suite no longer parses (${err.message})`);
  }
  const session = await prepareEvalSession(
    { pipeline: version.document, pipelineVersion: version.number, subject: `version ${version.number} of "${version.pipeline}"`, suite },
    { modelUnavailable: deps.modelUnavailable, pipelines: deps.services.pipelines },
  );
  if (session.identity.behaviorHash !== stored.spec.behaviorHash) throw notResumable(`version ${version.number} of "${stored.pipeline}" no longer behaves as the one it ran`);
  if (await deps.evals.workspaceChanged(stored, session.pipeline)) {
    throw notResumable('the workspace it ran with changed since it started (the config, or the content of an index it reads): start a new eval');
  }
  const baseline = stored.baseline ? await store.evals.get(stored.baseline) : undefined;
  const resumed = await deps.evals.resume(stored, { session, pipeline: stored.pipeline, version: version.number, dataset, baseline: baseline?.status === 'succeeded' ? baseline : undefined });
  if (!resumed) throw notResumable('it is running again already');
}

export const evalRoutes: RouteModule = {
  name: 'evals',
  register(app, deps) {
    const { store, evals } = deps;

    app.openapi(start, async (c) => {
      const body = c.req.valid('json');
      // The suite is kept with the eval (a resume reads it) and, scaled out, sent to every worker through Redis.
      refuseSecretValues(deps.redactor, body, '$', "an eval's suite is kept with it and sent to its workers, so remove it first");
      const id = await startEval(deps, body);
      c.header('location', `/api/evals/${id}`);
      return c.json({ id, status: 'running' as const }, 201);
    });

    app.openapi(list, async (c) => {
      const query = c.req.valid('query');
      return c.json(servePage(c, await store.evals.list({ ...query, pipeline: query.pipeline || undefined })).map(evalListItem), 200);
    });

    app.openapi(get, async (c) => {
      const { id } = c.req.valid('param');
      const stored = await store.evals.get(id);
      if (!stored) throw new HttpProblem(404, `there is no eval "${id}"`, { type: 'eval-not-found' });
      const { cut } = c.req.valid('query');
      const cases = await store.evals.cases(id);
      return c.json(await evalResultView(stored, cut === undefined ? cases : cutCases(cases, cut, deps.redactor.redact)), 200);
    });

    app.openapi(events, async (c) => {
      const { id } = c.req.valid('param');
      return jobEventsResponse(c, {
        jobs: deps.jobs,
        kind: EVAL_JOB,
        id,
        fromSeq: resumeFrom(c.req.header('last-event-id')),
        past: () => evals.pastEvents(id),
        notFound: () => new HttpProblem(404, `there is no eval "${id}"`, { type: 'eval-not-found' }),
        redact: deps.redactor.redact,
      }) as never;
    });

    app.openapi(resume, async (c) => {
      const { id } = c.req.valid('param');
      await resumeEval(deps, id);
      return c.json({ id, status: 'running' as const }, 200);
    });

    app.openapi(cancel, async (c) => {
      const { id } = c.req.valid('param');
      const before = await store.evals.get(id);
      if (!before) throw new HttpProblem(404, `there is no eval "${id}"`, { type: 'eval-not-found' });
      const left = 'cancelled; the server coordinating it had stopped';
      if (before.status === 'running' && (await endAbandoned(deps, id, 'cancelled', left))) return c.json({ id, status: 'cancelled' as const }, 200);
      if (!(await evals.cancel(id))) {
        const detail =
          before.status === 'running'
            ? `eval "${id}" is not running here: it runs in a process this server cannot reach (a \`patchbay promote\`, or a runner on this store without --queue); stop it there`
            : `eval "${id}" is not running (it is ${before.status})`;
        throw new HttpProblem(409, detail, { type: 'eval-not-running', evalStatus: before.status });
      }
      let after = await store.evals.get(id);
      // Its coordinator may have died moments ago (its heartbeat still there, lapsing within 15 s): the cancel then
      // reached no one, and the eval is ended here once that is known.
      for (const until = Date.now() + ABANDON_KNOWN_MS; after?.status === 'running' && deps.jobs.abandoned && Date.now() < until; after = await store.evals.get(id)) {
        if (await endAbandoned(deps, id, 'cancelled', left)) continue;
        await sleep(500);
      }
      return c.json({ id, status: after?.status ?? 'running' }, 200);
    });
  },
};
