import type { RouteModule } from './route-module';
import { renderDocsPage } from './docs-page';

const INFO = {
  title: 'Patchbay runner',
  version: '0.1.0',
  license: { name: 'MIT', identifier: 'MIT' },
  description:
    'Pipelines, immutable versions, runs with traces streamed as Server-Sent Events, node types, providers and retrieval indexes. Errors are application/problem+json (RFC 9457). When PATCHBAY_TOKEN is set, send Authorization: Bearer <token>.',
};

/** `/api/openapi.json` (OpenAPI 3.1, generated from the routes' zod schemas) and `/api/docs` (the same, as a page). Register last. */
export const openapiRoutes: RouteModule = {
  name: 'openapi',
  register(app) {
    let cached: Record<string, unknown> | undefined;
    const document = () =>
      (cached ??= completeOperations(
        app.getOpenAPI31Document({
          openapi: '3.1.0',
          info: INFO,
          // Relative: the document describes whichever runner serves it.
          servers: [{ url: '/', description: 'this runner' }],
          security: [{ bearer: [] }],
        }) as unknown as OpenApiDocument,
      ) as unknown as Record<string, unknown>);
    app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
      type: 'http',
      scheme: 'bearer',
      description: 'Only when the runner has PATCHBAY_TOKEN set',
    });
    app.get('/api/openapi.json', (c) => c.json(document()));
    app.get('/api/docs', (c) => c.html(renderDocsPage(document())));
  },
};

type Operation = { operationId?: string; parameters?: { in: string }[]; responses?: Record<string, unknown> };
type OpenApiDocument = { paths?: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, unknown> } };

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/**
 * What every operation must carry, whoever wrote its route: an operationId (a
 * route's own, else one made from its method and path, e.g.
 * `postApiEvalsIdCancel`), and the 400 problem the validation hook answers
 * for a bad path or query parameter.
 */
function completeOperations(doc: OpenApiDocument): OpenApiDocument {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      op.operationId ??= operationIdOf(method, path);
      const checked = op.parameters?.some((p) => p.in === 'path' || p.in === 'query');
      if (checked && op.responses && !op.responses['400'] && doc.components?.schemas?.Problem) {
        op.responses['400'] = {
          description: 'A path or query parameter is not valid',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        };
      }
    }
  }
  return doc;
}

export function operationIdOf(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}
