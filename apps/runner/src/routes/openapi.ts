import type { RouteModule } from './route-module';
import { renderDocsPage } from './docs-page';

const INFO = {
  title: 'Patchbay runner',
  version: '0.1.0',
  description:
    'Pipelines, immutable versions, runs with traces streamed as Server-Sent Events, node types, providers and retrieval indexes. Errors are application/problem+json (RFC 9457). When PATCHBAY_TOKEN is set, send Authorization: Bearer <token>.',
};

/** `/api/openapi.json` (OpenAPI 3.1, generated from the routes' zod schemas) and `/api/docs` (the same, as a page). Register last. */
export const openapiRoutes: RouteModule = {
  name: 'openapi',
  register(app) {
    let cached: Record<string, unknown> | undefined;
    const document = () =>
      (cached ??= app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: INFO,
        security: [{ bearer: [] }],
      }) as unknown as Record<string, unknown>);
    app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
      type: 'http',
      scheme: 'bearer',
      description: 'Only when the runner has PATCHBAY_TOKEN set',
    });
    app.get('/api/openapi.json', (c) => c.json(document()));
    app.get('/api/docs', (c) => c.html(renderDocsPage(document())));
  },
};
