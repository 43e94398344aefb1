import { createRoute, z } from '@hono/zod-openapi';
import { createServingKey, KEY_NAME_PATTERN, listServingKeys, revokeServingKey } from '../deploy/serving-keys';
import { jsonContent, problemResponses } from './common-schemas';
import type { RouteModule } from './route-module';

const KeyNameSchema = z.string().regex(KEY_NAME_PATTERN, 'a key name is [a-z0-9_-], up to 64, starting with a letter or digit');
const KeyInfoSchema = z
  .object({
    name: z.string(),
    pipelines: z.array(z.string()).nullable().openapi({ description: 'The pipelines it may call; null: all' }),
    missing: z.array(z.string()).openapi({ description: 'Pipelines of its scope that do not exist now (deleted since the key was made); one made again under the name is served' }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi('ServingKey');

const create = createRoute({
  method: 'post',
  path: '/api/keys',
  operationId: 'createServingKey',
  tags: ['keys'],
  summary: 'Create a serving key (shown once)',
  description: 'A serving key (`pbk_…`) reaches only /v1/* and POST /api/pipelines/:name/run, for its pipelines. Only its hash is stored: the answer is the one time it is shown.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          // Strict: a misspelt "pipelines" would otherwise be dropped and the key made for every pipeline.
          schema: z.strictObject({ name: KeyNameSchema, pipelines: z
                .array(z.string().regex(/^[a-z0-9-]+$/, 'a pipeline name is a slug'))
                .min(1, 'name at least one pipeline, or leave it out for a key that may call every pipeline')
                .max(200)
                .optional()
                .openapi({ description: 'The pipelines the key may call; left out: every pipeline' }) }).openapi('NewServingKey'),
        },
      },
    },
  },
  responses: {
    201: jsonContent(z.object({ name: z.string(), key: z.string(), pipelines: z.array(z.string()).nullable(), createdAt: z.string() }).openapi('CreatedServingKey'), 'The key, shown once'),
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

const list = createRoute({
  method: 'get',
  path: '/api/keys',
  operationId: 'listServingKeys',
  tags: ['keys'],
  summary: 'Serving keys: names, scopes, created, last used (never the key)',
  responses: { 200: jsonContent(z.object({ keys: z.array(KeyInfoSchema) }).openapi('ServingKeys'), 'Keys'), ...problemResponses(401, 403) },
});

const revoke = createRoute({
  method: 'delete',
  path: '/api/keys/{name}',
  operationId: 'revokeServingKey',
  tags: ['keys'],
  summary: 'Revoke a serving key',
  request: { params: z.object({ name: KeyNameSchema.openapi({ param: { name: 'name', in: 'path' } }) }) },
  responses: { 204: { description: 'Revoked' }, ...problemResponses(400, 401, 403, 404) },
});

export const keyRoutes: RouteModule = {
  name: 'keys',
  register(app, { store, keyRevocations }) {
    app.openapi(create, async (c) => {
      const body = c.req.valid('json');
      return c.json(await createServingKey(store, body), 201);
    });
    app.openapi(list, async (c) => c.json({ keys: await listServingKeys(store) }, 200));
    app.openapi(revoke, async (c) => {
      await revokeServingKey(store.keys, c.req.valid('param').name);
      // Its open streams end before the revoke is answered (other processes' within REVOCATION_POLL_MS).
      await keyRevocations?.check({ fresh: true });
      return c.body(null, 204);
    });
  },
};
