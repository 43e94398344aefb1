import { createApp } from './app';
import { Redactor } from './http/secrets';
import type { AppDeps } from './routes/index';

/**
 * The document `GET /api/openapi.json` serves, without a store, engine or port:
 * route modules only describe themselves when they register, and no handler
 * runs here. The editor's typed client is generated from it (`npm run typecheck`).
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  // an empty store and a job registry that runs nothing: what routes hold on to while registering (serving keys, promotions), never called;
  // a stand-in monitoring so the metrics and monitor routes, which register only with one, are described too
  const inert = { redactor: new Redactor([]), log: () => {}, store: {}, jobs: { define: () => {} }, monitoring: {} } as unknown as AppDeps;
  const response = await createApp(inert, { editorDist: false }).request('/api/openapi.json');
  return (await response.json()) as Record<string, unknown>;
}
