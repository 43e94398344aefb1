import { createRoute, z } from '@hono/zod-openapi';
import { parseSuite, SUITE_FORMAT, SuiteError } from '@patchbay/evals';
import { HttpProblem } from '../http/problem';
import { refuseSecretValues } from '../http/secrets';
import { suiteProblem } from '../http/domain-problems';
import { jsonContent, problemResponses } from './common-schemas';
import { SuiteBody } from './evals';
import type { RouteModule } from './route-module';

const SuiteNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a suite name is letters, digits, ".", "_" and "-", starting with a letter or digit')
  .max(200, 'a suite name is at most 200 characters')
  .openapi({ param: { name: 'name', in: 'path' }, example: 'support-assistant' });

const NameParams = z.object({ name: SuiteNameSchema });

const StoredSuiteSchema = z
  .object({ name: z.string(), suite: SuiteBody, savedAt: z.string().openapi({ description: 'ISO 8601' }) })
  .openapi('StoredSuite');

/** The store keeps the body it was given, which this route checked with SuiteBody. */
type SuiteRecord = z.infer<typeof StoredSuiteSchema>;
const asChecked = (stored: unknown) => stored as SuiteRecord;

const list = createRoute({
  method: 'get',
  path: '/api/suites',
  operationId: 'listSuites',
  tags: ['evals'],
  summary: 'Every eval suite saved by name',
  responses: { 200: jsonContent(z.array(StoredSuiteSchema), 'Saved suites, by name'), ...problemResponses(401) },
});

const get = createRoute({
  method: 'get',
  path: '/api/suites/{name}',
  operationId: 'getSuite',
  tags: ['evals'],
  summary: 'One saved suite',
  request: { params: NameParams },
  responses: { 200: jsonContent(StoredSuiteSchema, 'The suite'), ...problemResponses(400, 401, 404) },
});

const save = createRoute({
  method: 'put',
  path: '/api/suites/{name}',
  operationId: 'saveSuite',
  tags: ['evals'],
  summary: 'Save a suite under a name (replacing one of the same name)',
  description: 'The body is a suite as `POST /api/evals` takes it (scorers, repeat, concurrency, seed, gate), checked the same way. 201 when the name was new, 200 when it replaced one.',
  request: { params: NameParams, body: { required: true, content: { 'application/json': { schema: SuiteBody } } } },
  responses: {
    200: jsonContent(StoredSuiteSchema, 'Replaced'),
    201: jsonContent(StoredSuiteSchema, 'Saved'),
    ...problemResponses(400, 401, 413, 415),
  },
});

export const suiteRoutes: RouteModule = {
  name: 'suites',
  register(app, { store, redactor }) {
    app.openapi(list, async (c) => c.json((await store.suites.list()).map(asChecked), 200));

    app.openapi(get, async (c) => {
      const { name } = c.req.valid('param');
      const found = await store.suites.get(name);
      if (!found) throw new HttpProblem(404, `there is no saved suite "${name}"`, { type: 'suite-not-found' });
      return c.json(asChecked(found), 200);
    });

    app.openapi(save, async (c) => {
      const { name } = c.req.valid('param');
      const body = c.req.valid('json');
      refuseSecretValues(redactor, body, '$', 'a saved suite is stored as sent, so remove it first');
      checkSuite(name, body);
      const { suite, created } = await store.suites.save(name, body);
      return created ? c.json(asChecked(suite), 201) : c.json(asChecked(suite), 200);
    });
  },
};

/**
 * What `POST /api/evals` checks beyond the body's shape (scorer types, their params, gates on scorers
 * the suite has), so a saved suite is one an eval can start with. The body is the suite itself: paths start at `$`.
 */
function checkSuite(name: string, body: z.infer<typeof SuiteBody>): void {
  try {
    // A saved suite has no dataset (an eval names a stored one); this placeholder path is never read.
    parseSuite({ format: SUITE_FORMAT, ...body, dataset: 'saved-suite.jsonl' }, { label: `suite "${name}"`, baseDir: '.' });
  } catch (err) {
    if (!(err instanceof SuiteError)) throw err;
    throw suiteProblem(err, '$');
  }
}
