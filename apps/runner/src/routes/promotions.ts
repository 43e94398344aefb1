import { setTimeout as sleep } from 'node:timers/promises';
import { createRoute, z } from '@hono/zod-openapi';
import { checkCallers } from '../deploy/label-callers';
import { DatasetError, type EvalSuite, GateSchema, ModelUnavailableError, prepareEvalSession, ScorerSpecSchema, SuiteError, TargetError } from '@patchbay/evals';
import { holderMisfit } from '../deploy/holder-fits-suite';
import { PromotionManager, PROMOTION_JOB } from '../deploy/promotion-manager';
import { labelField } from '../deploy/label-name';
import { resolveServed } from '../deploy/served-version';
import { HttpProblem } from '../http/problem';
import { refuseSecretValues } from '../http/secrets';
import { atField, suiteProblem } from '../http/domain-problems';
import { suiteOnDataset } from '../evals/suite-on-dataset';
import { jsonContent, PipelineNameSchema, problemResponses } from './common-schemas';
import { DatasetNameSchema } from './datasets';
import { jobEventsResponse, resumeFrom } from './job-events-stream';
import type { AppDeps, RouteModule } from './route-module';

const PromotionSuite = z
  .strictObject({
    name: z.string().min(1).max(200).optional().openapi({ description: 'Names the suite; a stored eval is reused only for the same name, scorers and repeat. Default "promotion"' }),
    // Any name a dataset can be stored under (patchbay promote stores a suite's file as "cases.jsonl").
    dataset: DatasetNameSchema.openapi({ description: 'A stored dataset (its latest version)' }),
    scorers: z.array(ScorerSpecSchema).min(1, 'a promotion needs at least one scorer'),
    repeat: z.number().int().min(1).max(100).optional(),
    concurrency: z.number().int().min(1).max(256).optional(),
    seed: z.union([z.string(), z.number()]).optional(),
    gate: GateSchema.optional().openapi({ description: 'Default: fail on any regression' }),
  })
  .openapi('PromotionSuite');

const start = createRoute({
  method: 'post',
  path: '/api/pipelines/{name}/promotions',
  operationId: 'startPromotion',
  tags: ['deployments'],
  summary: 'Promote a version to a label if it is not worse than the current holder',
  description:
    'Evaluates `version` and the version the label points at on the suite (reusing stored results with the same behaviour, dataset, suite and workspace: config and index contents), compares them paired and moves the label only when the gates pass (`force`: anyway, recorded as forced). Answers 202 `{id}`; progress at /api/promotions/{id}/events.',
  request: {
    params: z.object({ name: PipelineNameSchema }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .strictObject({
              label: labelField(),
              version: z.number().int().min(1),
              suite: PromotionSuite,
              force: z.boolean().optional(),
              dryRun: z.boolean().optional().openapi({ description: 'Evaluate, compare and gate, but never move the label: the outcome is `checked` and `gates.passed` says whether it would move' }),
            })
            .openapi('StartPromotion'),
        },
      },
    },
  },
  responses: { 202: jsonContent(z.object({ id: z.string() }).openapi('PromotionStarted'), 'Started'), ...problemResponses(400, 401, 404, 422) },
});

const IdParams = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });

const get = createRoute({
  method: 'get',
  path: '/api/promotions/{id}',
  operationId: 'getPromotion',
  tags: ['deployments'],
  summary: 'A promotion and, once it ended, its outcome',
  request: { params: IdParams },
  responses: {
    200: jsonContent(
      z
        .object({
          id: z.string(),
          pipeline: z.string(),
          label: z.string(),
          status: z
            .enum(['running', 'moved', 'refused', 'failed', 'checked', 'unchanged'])
            .openapi({ description: '`checked`: a dry run ended (`gates.passed` says whether the label would move). `unchanged`: the label held `version` already (nothing evaluated or recorded)' }),
          moved: z.boolean(),
          from: z.number().int().nullable(),
          to: z.number().int(),
          comparison: z.unknown(),
          gates: z.unknown(),
          evalIds: z.object({ candidate: z.string().nullable(), holder: z.string().nullable() }),
          forced: z.boolean(),
          error: z.string().optional(),
          note: z.string().optional().openapi({ description: 'Why nothing was done (`unchanged`), e.g. "production already holds v3"' }),
        })
        .openapi('Promotion'),
      'The promotion',
    ),
    ...problemResponses(401, 404),
  },
});

const events = createRoute({
  method: 'get',
  path: '/api/promotions/{id}/events',
  operationId: 'promotionEvents',
  tags: ['deployments'],
  summary: "A promotion's progress as Server-Sent Events",
  request: { params: IdParams },
  responses: { 200: { description: 'Event stream', content: { 'text/event-stream': { schema: z.string() } } }, ...problemResponses(400, 401, 404) },
});

/**
 * Scaled out, a promotion runs in the server that took it: one whose server died (and was not started again on
 * its host, which would end it) is left `running` with no process to end it. Read from another server once the
 * dead one's heartbeat has lapsed, it ends `failed` here, as that start would have ended it.
 */
async function endIfLeft(deps: AppDeps, id: string): Promise<void> {
  // Redis out of reach cannot say: the promotion is read as stored (what is recorded stays readable throughout).
  if (await deps.jobs.abandoned?.(PROMOTION_JOB, id).catch(() => false)) await deps.store.promotions.endLeft(id, 'the server running it stopped before the promotion ended');
}

/** How often a promotion still `running` in the store is asked again, while a stream waits for its end. */
const ENDED_POLL_MS = 1_000;

/**
 * Settles once the promotion has ended in the store (or `signal` aborts: the client left): a live stream from a
 * server that died waits here for its heartbeat to lapse, when endIfLeft ends it.
 */
async function endedPromotion(deps: AppDeps, id: string, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    // A store out of reach says nothing yet: asked again.
    await endIfLeft(deps, id).catch(() => {});
    const status = await deps.store.promotions.get(id).then((p) => p?.status ?? 'gone', () => 'running');
    if (status !== 'running') return;
    await sleep(ENDED_POLL_MS, undefined, { signal }).catch(() => {});
  }
}

export const promotionRoutes: RouteModule = {
  name: 'promotions',
  register(app, deps) {
    const { store } = deps;
    // Made on first use: the app is also built without a store or jobs (to write its OpenAPI document).
    let manager: PromotionManager | undefined;
    const promotions = () => (manager ??= new PromotionManager({ store, evals: deps.evals, jobs: deps.jobs, log: deps.log }));

    app.openapi(start, async (c) => {
      const { name } = c.req.valid('param');
      const body = c.req.valid('json');
      // Its suite becomes an eval's, kept as sent (see evals).
      refuseSecretValues(deps.redactor, body, '$', "a promotion's suite is kept with its eval and sent to its workers, so remove it first");
      if (body.dryRun && body.force) throw new HttpProblem(400, 'a dry run moves nothing: leave out force or dryRun', { errors: [{ path: '$.force', message: 'not with dryRun' }] });
      const candidate = await atField(resolveServed(store, { pipeline: name, version: body.version }), { 'version-not-found': '$.version', 'version-invalid': '$.version' });
      // A caller of the label that the candidate would stop is refused before any eval is spent on it (force moves anyway).
      if (body.force !== true) await checkCallers(store, { pipeline: name, label: body.label, version: body.version }, 'keep-running', { at: '$.version' });
      const dataset = await store.datasets.get(body.suite.dataset);
      if (!dataset) throw new HttpProblem(404, `there is no dataset "${body.suite.dataset}"`, { type: 'dataset-not-found', errors: [{ path: '$.suite.dataset', message: 'no such dataset' }] });
      let suite: EvalSuite;
      try {
        const { dataset: _name, ...spec } = body.suite;
        suite = suiteOnDataset({ name: 'promotion', ...spec }, dataset, '$.suite');
      } catch (err) {
        if (!(err instanceof SuiteError)) throw err;
        throw suiteProblem(err, '$.suite');
      }
      // The candidate's eval session checks now what the promotion would otherwise fail on after its 202 (a target
      // not in the pipeline, a case whose input does not fit, a model that cannot be called), as POST /api/evals does.
      try {
        await prepareEvalSession(
          { pipeline: candidate.document, pipelineVersion: candidate.version, subject: `version ${candidate.version} of "${name}"`, suite },
          { modelUnavailable: deps.modelUnavailable, pipelines: deps.services.pipelines },
        );
        // …and on the version the label holds: the suite evaluates both (force moves past it, compared with nothing).
        const misfit = await holderMisfit(store, { pipeline: name, label: body.label, version: body.version }, (document, version) =>
          prepareEvalSession({ pipeline: document, pipelineVersion: version, subject: `version ${version} of "${name}"`, suite }, { pipelines: deps.services.pipelines }),
        );
        // `holder` tells a client (the editor's Deploy panel) that force is the way past, which it is not for the candidate's own misfit
        if (misfit && body.force !== true) {
          const { error } = misfit;
          const path = error instanceof TargetError ? `$.suite.scorers${error.scorerIndex === undefined ? '' : `[${error.scorerIndex}].target`}` : '$.suite.dataset';
          throw new HttpProblem(422, error.message, { type: 'eval-does-not-fit', errors: [{ path, message: error.message }], holder: { version: misfit.version, reason: misfit.reason } });
        }
      } catch (err) {
        if (err instanceof ModelUnavailableError) throw new HttpProblem(422, err.message, { type: 'model-unavailable' });
        // The dataset is named in the suite here, not at the top of the body as for POST /api/evals.
        if (err instanceof DatasetError) throw new HttpProblem(422, err.message, { type: 'eval-does-not-fit', errors: [{ path: '$.suite.dataset', message: err.message }] });
        throw err;
      }
      const id = await promotions().start({ pipeline: name, label: body.label, version: body.version, suite, dataset, force: body.force === true, dryRun: body.dryRun === true, by: 'admin', via: 'http' });
      c.header('location', `/api/promotions/${id}`);
      return c.json({ id }, 202);
    });

    app.openapi(get, async (c) => {
      const { id } = c.req.valid('param');
      await endIfLeft(deps, id);
      const stored = await store.promotions.get(id);
      if (!stored) throw promotions().notFound(id);
      // Running: what it has found out so far (from: null would read as a label not set yet): live when it runs in
      // this process, else as far as its process stored it (another server runs it).
      const soFar = stored.outcome ? undefined : ((await promotions().soFar(id)) ?? stored.soFar ?? undefined);
      const outcome = (stored.outcome ?? { moved: false, from: null, to: stored.version, comparison: null, gates: null, evalIds: { candidate: null, holder: null }, forced: false, ...soFar }) as Record<string, unknown>;
      return c.json({ id, pipeline: stored.pipeline, label: stored.label, ...outcome, status: stored.status } as never, 200);
    });

    app.openapi(events, async (c) => {
      const { id } = c.req.valid('param');
      const fromSeq = resumeFrom(c.req.header('last-event-id'));
      await endIfLeft(deps, id);
      return jobEventsResponse(c, {
        jobs: deps.jobs,
        kind: PROMOTION_JOB,
        id,
        fromSeq,
        past: (from) => promotions().pastEvents(id, from),
        notFound: () => promotions().notFound(id),
        redact: deps.redactor.redact,
        // Followed from another server whose stream ended short (its server died): the store's copy follows, with
        // the end made up from the record once endIfLeft ended it, as docs/deploy.md promises every stream ends.
        isLast: (e) => e.type === 'promotion.completed',
        ended: (signal) => endedPromotion(deps, id, signal),
      }) as never;
    });
  },
};
