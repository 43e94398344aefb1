import { answer, type ApiClient } from '../lib/api-client';
import { deploymentHistory } from '../deploy/deploy-api';
import { allPages, listPage } from '../lib/pages';
import type { components, paths } from '../lib/api-schema.gen';

/**
 * The runner's monitoring routes as the Monitoring view and the Runs list use them, over the one
 * typed client: every shape here is the generated one (a route that changes fails the typecheck).
 */
type Schemas = components['schemas'];
export type MetricsSeries = Schemas['MetricsSeries'];
export type MetricsPoint = Schemas['MetricsPoint'];
export type MonitorSpec = Schemas['Monitors']['monitors'][number];
export type AlertRuleSpec = Schemas['AlertRules']['rules'][number];
export type AlertDelivery = Schemas['AlertDelivery'];
export type MonitorScoreSeries = Schemas['MonitorScoreSeries'];
export type Deployment = Schemas['Deployment'];
export type MetricsQuery = NonNullable<paths['/api/metrics']['get']['parameters']['query']>;
export type MetricsStep = NonNullable<MetricsQuery['step']>;
/** `GET /api/runs`'s filters. */
export type RunsQuery = NonNullable<paths['/api/runs']['get']['parameters']['query']>;
export type CasesFromRuns = Schemas['CasesFromRuns'];

export function monitoringCalls(client: ApiClient) {
  const name = (name: string) => ({ params: { path: { name } } });
  return {
    metrics: (query: MetricsQuery) => answer(client.GET('/api/metrics', { params: { query } })),
    monitorScores: (pipeline: string, query: { from: string; to: string; step: MetricsStep }) =>
      answer(client.GET('/api/pipelines/{name}/monitor-scores', { params: { path: { name: pipeline }, query } })),
    deployments: (pipeline: string) => deploymentHistory(client, pipeline),
    monitors: (pipeline: string) => answer(client.GET('/api/pipelines/{name}/monitors', name(pipeline))).then((r) => r.monitors),
    saveMonitors: (pipeline: string, monitors: MonitorSpec[]) => answer(client.PUT('/api/pipelines/{name}/monitors', { ...name(pipeline), body: { monitors } })).then((r) => r.monitors),
    alertRules: (pipeline: string) => answer(client.GET('/api/pipelines/{name}/alert-rules', name(pipeline))).then((r) => r.rules),
    saveAlertRules: (pipeline: string, rules: AlertRuleSpec[]) => answer(client.PUT('/api/pipelines/{name}/alert-rules', { ...name(pipeline), body: { rules } })).then((r) => r.rules),
    alerts: (pipeline: string, limit = 20) => answer(client.GET('/api/pipelines/{name}/alerts', { params: { path: { name: pipeline }, query: { limit } } })).then((r) => r.alerts),
    labels: (pipeline: string) => answer(client.GET('/api/pipelines/{name}/labels', name(pipeline))).then((r) => Object.keys(r.labels ?? {})),
    /** A page of runs (the Runs list's "Load more": `cursor` is the page before's). */
    runs: (query: RunsQuery, cursor?: string) => listPage(client.GET('/api/runs', { params: { query: { ...query, cursor } } })),
    datasets: () => allPages((cursor) => listPage(client.GET('/api/datasets', { params: { query: { cursor } } }))),
    /** Each run becomes a case `run-<id>` of a new version of the dataset (created when missing); runs already in it add nothing. */
    addCases: (dataset: string, body: CasesFromRuns) => answer(client.POST('/api/datasets/{name}/cases', { ...name(dataset), body })),
  };
}

export type MonitoringApi = ReturnType<typeof monitoringCalls>;
