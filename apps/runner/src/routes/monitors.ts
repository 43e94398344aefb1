import { createRoute, z } from '@hono/zod-openapi';
import { getScorerType } from '@patchbay/evals';
import { HttpProblem } from '../http/problem';
import { refuseSecretValues } from '../http/secrets';
import { STEPS } from '../monitoring/metrics-query';
import { AlertRuleSpec, MonitorSpec } from '../monitoring/monitor-spec';
import { jsonContent, PipelineNameSchema, problemResponses } from './common-schemas';
import { isoTime } from './iso-time';
import { assertPipelineKnown } from './known-pipeline';
import type { AppDeps, RouteModule } from './route-module';
import { wholeNumberParam } from './url-numbers';

const NameParams = z.object({ name: PipelineNameSchema });
const Monitors = z.object({ monitors: z.array(MonitorSpec).max(50) }).openapi('Monitors');
const AlertRules = z.object({ rules: z.array(AlertRuleSpec).max(50) }).openapi('AlertRules');

const Delivery = z
  .object({
    id: z.number().int(),
    rule: z.string(),
    state: z.enum(['firing', 'recovered']),
    payload: z.record(z.string(), z.unknown()),
    webhook: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
  })
  .openapi('AlertDelivery');

const ScorePoint = z.object({ t: z.string(), count: z.number().int(), mean: z.number().nullable(), passRate: z.number().nullable() });
const ScoreSeries = z.object({ monitor: z.string(), version: z.number().int().nullable(), points: z.array(ScorePoint) }).openapi('MonitorScoreSeries');

const tags = ['monitoring'];
const getMonitors = createRoute({
  method: 'get',
  path: '/api/pipelines/{name}/monitors',
  operationId: 'getMonitors',
  tags,
  summary: "A pipeline's monitors",
  request: { params: NameParams },
  responses: { 200: jsonContent(Monitors, 'Monitors'), ...problemResponses(400, 401, 404) },
});
const putMonitors = createRoute({
  method: 'put',
  path: '/api/pipelines/{name}/monitors',
  operationId: 'putMonitors',
  tags,
  summary: "Replace a pipeline's monitors",
  description:
    'Each monitor scores a `sample` (0..1) of finished runs (optionally only some `labels` or `sources`) with an eval scorer that needs no expected value; runs are scored after they finish, off the request path.',
  request: { params: NameParams, body: { required: true, content: { 'application/json': { schema: Monitors } } } },
  responses: { 200: jsonContent(Monitors, 'The monitors now in force'), ...problemResponses(400, 401, 404, 413, 415, 422) },
});
const getRules = createRoute({
  method: 'get',
  path: '/api/pipelines/{name}/alert-rules',
  operationId: 'getAlertRules',
  tags,
  summary: "A pipeline's alert rules",
  request: { params: NameParams },
  responses: { 200: jsonContent(AlertRules, 'Alert rules'), ...problemResponses(400, 401, 404) },
});
const putRules = createRoute({
  method: 'put',
  path: '/api/pipelines/{name}/alert-rules',
  operationId: 'putAlertRules',
  tags,
  summary: "Replace a pipeline's alert rules (admin only)",
  description:
    '`{name, metric: errorRate|p95Ms|costUsd|monitor:NAME, window: N runs or a duration (5m, 1h), op: above|below, threshold, webhook, label?}`. When the rolling value crosses the threshold the runner POSTs a JSON alert to the webhook once, and once more when it recovers; deliveries are retried with backoff and recorded.',
  request: { params: NameParams, body: { required: true, content: { 'application/json': { schema: AlertRules } } } },
  responses: { 200: jsonContent(AlertRules, 'The rules now in force'), ...problemResponses(400, 401, 404, 413, 415, 422) },
});
const alerts = createRoute({
  method: 'get',
  path: '/api/pipelines/{name}/alerts',
  operationId: 'listAlerts',
  tags,
  summary: 'Alert deliveries, newest first',
  request: { params: NameParams, query: z.object({ limit: wholeNumberParam(z.coerce.number().int().min(1).max(1000)).default(100) }) },
  responses: { 200: jsonContent(z.object({ alerts: z.array(Delivery) }), 'Deliveries'), ...problemResponses(400, 401, 404) },
});
const scores = createRoute({
  method: 'get',
  path: '/api/pipelines/{name}/monitor-scores',
  operationId: 'getMonitorScores',
  tags,
  summary: 'Monitor scores over time, one series per monitor and version',
  request: {
    params: NameParams,
    query: z.object({
      from: isoTime.optional().openapi({ type: 'string', description: 'ISO 8601; default 24 hours before `to`' }),
      to: isoTime.optional().openapi({ type: 'string', description: 'ISO 8601; default now' }),
      step: z.enum(Object.keys(STEPS) as [keyof typeof STEPS, ...(keyof typeof STEPS)[]]).default('1h'),
    }),
  },
  responses: { 200: jsonContent(z.object({ step: z.string(), series: z.array(ScoreSeries) }), 'Series'), ...problemResponses(400, 401, 404) },
});

/** Monitors and rules are keyed by name: a second of one name would shadow the first. */
function assertNamesUnique(items: { name: string }[], list: 'monitors' | 'rules'): void {
  const seen = new Set<string>();
  for (const [i, { name }] of items.entries()) {
    if (seen.has(name)) throw new HttpProblem(400, `two ${list} are named "${name}"`, { errors: [{ path: `$.${list}[${i}].name`, message: 'already used' }] });
    seen.add(name);
  }
}

export const monitorRoutes: RouteModule = {
  name: 'monitors',
  register(app, deps: AppDeps) {
    const monitoring = deps.monitoring;
    if (!monitoring) return;
    const { store } = deps;
    const known = (name: string) => assertPipelineKnown(store, name);

    app.openapi(getMonitors, async (c) => {
      const { name } = c.req.valid('param');
      await known(name);
      return c.json({ monitors: (await store.monitors.getConfig(name, 'monitors')) as MonitorSpec[] }, 200);
    });
    app.openapi(putMonitors, async (c) => {
      const { name } = c.req.valid('param');
      await known(name);
      const { monitors } = c.req.valid('json');
      refuseSecretValues(deps.redactor, { monitors }, '$', 'monitors are stored as sent, so remove it first');
      assertNamesUnique(monitors, 'monitors');
      // A judge this runner cannot call would fail every score it tried, silently; evals refuse it the same way.
      for (const [i, m] of monitors.entries()) {
        for (const { param } of getScorerType(m.scorer.type)?.modelParams ?? []) {
          const model = m.scorer.params[param];
          const reason = typeof model === 'string' ? deps.modelUnavailable?.(model) : null;
          if (reason) throw new HttpProblem(422, `monitor "${m.name}": ${reason}`, { type: 'model-unavailable', errors: [{ path: `$.monitors[${i}].scorer.params.${param}`, message: reason }] });
        }
      }
      await monitoring.setMonitors(name, monitors);
      return c.json({ monitors }, 200);
    });
    app.openapi(getRules, async (c) => {
      const { name } = c.req.valid('param');
      await known(name);
      return c.json({ rules: (await store.monitors.getConfig(name, 'alert-rules')) as AlertRuleSpec[] }, 200);
    });
    app.openapi(putRules, async (c) => {
      const { name } = c.req.valid('param');
      await known(name);
      const { rules } = c.req.valid('json');
      // A webhook whose URL is its own credential is given as ${NAME} (its value is read when an alert is posted).
      refuseSecretValues(deps.redactor, { rules }, '$', 'alert rules are stored as sent, so remove it first (give a webhook holding a credential as ${NAME})');
      assertNamesUnique(rules, 'rules');
      // A rule on a monitor the pipeline does not have would never fire, silently.
      const monitorNames = ((await store.monitors.getConfig(name, 'monitors')) as MonitorSpec[]).map((m) => m.name);
      const errors = rules.flatMap((rule, i) => {
        const monitor = rule.metric.startsWith('monitor:') ? rule.metric.slice('monitor:'.length) : undefined;
        if (monitor === undefined || monitorNames.includes(monitor)) return [];
        const has = monitorNames.length ? `its monitors: ${monitorNames.join(', ')}` : 'it has none yet';
        return [{ path: `$.rules[${i}].metric`, message: `pipeline "${name}" has no monitor "${monitor}" (${has}): add it under /monitors first` }];
      });
      if (errors.length) throw new HttpProblem(422, errors[0].message, { type: 'monitor-not-found', errors });
      // ${NAME} holding a URL the rule's schema refuses written out is refused alike (400), naming the variable only.
      const refused = rules.flatMap((rule, i) => {
        const problem = monitoring.webhookRefusal(rule.webhook);
        return problem ? [{ path: `$.rules[${i}].webhook`, message: problem }] : [];
      });
      if (refused.length) throw new HttpProblem(400, refused[0].message, { errors: refused });
      // ${NAME} that this runner cannot read would fail every alert, unseen until one fires.
      const unset = rules.flatMap((rule, i) => {
        const problem = monitoring.webhookProblem(rule.webhook);
        return problem ? [{ path: `$.rules[${i}].webhook`, message: problem }] : [];
      });
      if (unset.length) throw new HttpProblem(422, unset[0].message, { type: 'webhook-unset', errors: unset });
      await monitoring.setAlertRules(name, rules);
      return c.json({ rules }, 200);
    });
    app.openapi(alerts, async (c) => {
      const { name } = c.req.valid('param');
      const { limit } = c.req.valid('query');
      await known(name);
      const found = await store.monitors.deliveries(name, limit);
      const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
      return c.json({ alerts: found.map((d) => ({ ...d, createdAt: iso(d.createdAt)!, deliveredAt: iso(d.deliveredAt) })) }, 200);
    });
    app.openapi(scores, async (c) => {
      const { name } = c.req.valid('param');
      const q = c.req.valid('query');
      await known(name);
      const to = q.to ?? Date.now();
      const stepMs = STEPS[q.step];
      const from = q.from ?? to - 86_400_000;
      if (from >= to) throw new HttpProblem(400, '"from" must be before "to"', { errors: [{ path: 'query.from', message: 'must be before "to"' }] });
      const start = from - (from % stepMs);
      if ((to - start) / stepMs > 5_000) throw new HttpProblem(400, 'that range needs more than 5000 points: use a larger step', { errors: [{ path: 'query.step', message: 'too many points' }] });
      const buckets = await store.monitors.scoreBuckets({ pipeline: name, from: start, to, stepMs });
      const series = new Map<string, { monitor: string; version: number | null; buckets: Map<number, (typeof buckets)[number]> }>();
      for (const b of buckets) {
        const key = `${b.monitor}\u0000${b.version}`;
        let s = series.get(key);
        if (!s) series.set(key, (s = { monitor: b.monitor, version: b.version, buckets: new Map() }));
        s.buckets.set(b.t, b);
      }
      const out = [...series.values()].map((s) => {
        const points = [];
        for (let t = start; t < to; t += stepMs) {
          const b = s.buckets.get(t);
          points.push({ t: new Date(t).toISOString(), count: b?.count ?? 0, mean: b ? b.sum / b.count : null, passRate: b ? b.passed / b.count : null });
        }
        return { monitor: s.monitor, version: s.version, points };
      });
      return c.json({ step: q.step, series: out }, 200);
    });
  },
};
