// Type-only: the runner and evals packages are Node code; `import type` is erased, so none of it reaches the bundle.
import type { Comparison, GateReport } from '@patchbay/evals';
import type { PromotionEvent } from '@patchbay/runner';
import { answer, events, type ApiClient } from '../lib/api-client';
import type { components } from '../lib/api-schema.gen';
import { allPages } from '../lib/pages';

type Schemas = components['schemas'];
export type LabelState = Schemas['LabelState'];
export type Labels = Record<string, LabelState>;
export type Deployment = Schemas['Deployment'];
export type PromotionSuite = Schemas['PromotionSuite'];
export type StartPromotion = Schemas['StartPromotion'];
/** `GET /api/promotions/{id}`, its comparison and gates as the evals package makes them (the route declares them opaque). */
export type Promotion = Omit<Schemas['Promotion'], 'comparison' | 'gates'> & { comparison: Comparison | null; gates: GateReport | null };
export type { PromotionEvent, Comparison, GateReport };

/** A pipeline's whole deployment history, newest first, following the list's pages (`X-Next-Cursor`). */
export function deploymentHistory(client: ApiClient, pipeline: string): Promise<Deployment[]> {
  return allPages(async (cursor) => {
    const pending = client.GET('/api/pipelines/{name}/deployments', { params: { path: { name: pipeline }, query: { limit: 1000, cursor } } });
    const { deployments } = await answer(pending);
    return { items: deployments, next: (await pending).response.headers.get('x-next-cursor') };
  });
}

const isLastPromotionEvent = (event: PromotionEvent) => event.type === 'promotion.completed';

/** The runner's deployment routes (labels, their history, promotions) as the Deploy view uses them. */
export function deployCalls(client: ApiClient) {
  const name = (name: string) => ({ params: { path: { name } } });
  return {
    labels: async (pipeline: string): Promise<Labels> => (await answer(client.GET('/api/pipelines/{name}/labels', name(pipeline)))).labels,
    deployments: (pipeline: string) => deploymentHistory(client, pipeline),
    /** Points `label` at `version` (a rollback is this too): one more entry in the history. `force`: even past the labelled versions that call it (recorded forced). */
    moveLabel: (pipeline: string, label: string, version: number, note?: string, force = false) =>
      answer(client.PUT('/api/pipelines/{name}/labels/{label}', { params: { path: { name: pipeline, label } }, body: { version, ...(note ? { note } : {}), ...(force ? { force: true } : {}) } })),
    startPromotion: (pipeline: string, body: StartPromotion) => answer(client.POST('/api/pipelines/{name}/promotions', { ...name(pipeline), body })),
    getPromotion: async (id: string): Promise<Promotion> => (await answer(client.GET('/api/promotions/{id}', { params: { path: { id } } }))) as Promotion,

    /** Follows a promotion's progress (past events first) until it completes or `signal` aborts. */
    async followPromotion(id: string, onEvent: (event: PromotionEvent) => void, signal?: AbortSignal): Promise<void> {
      const stream = client.GET('/api/promotions/{id}/events', { params: { path: { id } }, headers: { accept: 'text/event-stream' }, parseAs: 'stream', signal });
      for await (const event of events<PromotionEvent>(stream, isLastPromotionEvent)) onEvent(event);
    },
  };
}

export type DeployApi = ReturnType<typeof deployCalls>;
