import { createRoute, z } from '@hono/zod-openapi';
import { HttpProblem } from '../http/problem';
import { authenticate } from '../http/serving-auth';
import { MAX_POINTS, pointCount, STEPS } from '../monitoring/metrics-query';
import { jsonContent, pipelineQueryName, problemResponses } from './common-schemas';
import { isoTime } from './iso-time';
import { assertPipelineKnown } from './known-pipeline';
import type { AppDeps, RouteModule } from './route-module';
import { RUN_SOURCES } from '../store/runs';

const Point = z
  .object({
    t: z.string().openapi({ description: 'Start of the step (ISO 8601)' }),
    runs: z.number().int(),
    errors: z.number().int(),
    errorRate: z.number(),
    p50Ms: z.number().nullable(),
    p95Ms: z.number().nullable(),
    p99Ms: z.number().nullable(),
    tokensIn: z.number().int(),
    tokensOut: z.number().int(),
    costUsd: z.number(),
  })
  .openapi('MetricsPoint');

const Series = z.object({ key: z.string(), nodeType: z.string().optional(), points: z.array(Point) }).openapi('MetricsSeries');

const metrics = createRoute({
  method: 'get',
  path: '/api/metrics',
  operationId: 'getMetrics',
  tags: ['monitoring'],
  summary: 'A pipeline over time',
  description:
    'Runs, errors, error rate, latency percentiles (p50/p95/p99 from mergeable DDSketch rollups, within 1% of the true value), tokens and cost per step, one series per version, label, node or model. Read from per-minute and per-hour rollups written as runs finish, never from raw runs.',
  request: {
    query: z.object({
      pipeline: pipelineQueryName(),
      from: isoTime.optional().openapi({ type: 'string', description: 'Default: 24 hours before `to`' }),
      to: isoTime.optional().openapi({ type: 'string', description: 'Default: now' }),
      step: z.enum(Object.keys(STEPS) as [keyof typeof STEPS, ...(keyof typeof STEPS)[]]).default('1h'),
      by: z.enum(['version', 'label', 'node', 'model']).default('version'),
      source: z.enum(RUN_SOURCES).optional().openapi({ description: 'Only runs from this source (as `GET /api/runs`)' }),
    }),
  },
  responses: {
    200: jsonContent(z.object({ step: z.string(), series: z.array(Series) }).openapi('Metrics'), 'Series over time'),
    ...problemResponses(400, 401, 404),
  },
});

export const metricsRoutes: RouteModule = {
  name: 'metrics',
  register(app, deps: AppDeps) {
    const monitoring = deps.monitoring;
    if (!monitoring) return;
    app.openapi(metrics, async (c) => {
      const q = c.req.valid('query');
      await assertPipelineKnown(deps.store, q.pipeline, 'query.pipeline');
      const to = q.to ?? Date.now();
      const from = q.from ?? to - 24 * 3_600_000;
      if (from >= to) throw new HttpProblem(400, '"from" must be before "to"', { errors: [{ path: 'query.from', message: 'must be before "to"' }] });
      if (pointCount({ from, to, step: q.step }) > MAX_POINTS) {
        throw new HttpProblem(400, `that range needs more than ${MAX_POINTS} points at step ${q.step}: use a larger step`, {
          errors: [{ path: 'query.step', message: `more than ${MAX_POINTS} points` }],
        });
      }
      return c.json(await monitoring.query({ pipeline: q.pipeline, from, to, step: q.step, by: q.by, source: q.source }), 200);
    });

    // Prometheus scrapes here, outside /api: the API's token or PATCHBAY_METRICS_TOKEN (a scraper's own) when either is set.
    // A serving key is refused as on every route but the serving ones (403; 401 unknown or revoked).
    app.use('/metrics', authenticate({ token: deps.metricsTokens ?? [], keys: () => deps.store.keys, needs: 'the admin token or PATCHBAY_METRICS_TOKEN', realm: 'patchbay-metrics' }));
    app.get('/metrics', async (c) => {
      const text = await monitoring.prometheus.render();
      return c.body(text, 200, { 'content-type': monitoring.prometheus.contentType });
    });
  },
};
