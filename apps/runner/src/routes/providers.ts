import { createRoute, z } from '@hono/zod-openapi';
import { jsonContent, problemResponses } from './common-schemas';
import type { RouteModule } from './route-module';

const ProviderSchema = z
  .object({
    name: z.string(),
    offline: z.boolean(),
    hasKey: z.boolean().openapi({ description: 'Whether its key variable is set; the key itself is never sent' }),
    needsKey: z.boolean().optional(),
    ready: z.boolean().optional(),
    keyVariable: z.string().nullable().optional().openapi({ description: 'Name of the environment variable the key is read from' }),
    baseURL: z.string().nullable().optional(),
    models: z.array(z.string()).optional(),
    modelKinds: z
      .record(z.string(), z.array(z.enum(['chat', 'embedding', 'tool-calling'])))
      .optional()
      .openapi({ description: 'What each listed model can be called for; the editor offers a node field only the models of its kind' }),
  })
  .openapi('Provider');

const list = createRoute({
  method: 'get',
  path: '/api/providers',
  tags: ['providers'],
  summary: 'Configured model providers and whether each has its key',
  responses: { 200: jsonContent(z.array(ProviderSchema), 'Providers, offline first'), ...problemResponses(401) },
});

export const providerRoutes: RouteModule = {
  name: 'providers',
  register(app, deps) {
    app.openapi(list, (c) => {
      // Only these fields leave the server, whatever else a provider record holds.
      const providers = (deps.providers() as Record<string, unknown>[]).map((p) => {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(ProviderSchema.shape)) if (p[key] !== undefined) out[key] = p[key];
        return out;
      });
      return c.json(providers as z.infer<typeof ProviderSchema>[], 200);
    });
  },
};
