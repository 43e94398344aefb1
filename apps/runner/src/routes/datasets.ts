import { createRoute, z } from '@hono/zod-openapi';
import { DatasetError } from '@patchbay/evals';
import { cutDatasetCases } from '../evals/case-values-cut';
import { saveDataset } from '../evals/dataset-input';
import { HttpProblem } from '../http/problem';
import { refuseSecretValuesInTurns } from '../http/secrets';
import { jsonContent, problemResponses } from './common-schemas';
import { pageHeaders, pageQuery, servePage } from './paging';
import type { RouteModule } from './route-module';
import { cutParam } from './runs';

export const DatasetNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a dataset name is letters, digits, ".", "_" and "-", starting with a letter or digit')
  .max(200, 'a dataset name is at most 200 characters')
  .openapi({ param: { name: 'name', in: 'path' }, example: 'support-questions' });

const DatasetVersionSchema = z
  .object({
    name: z.string(),
    hash: z.string().openapi({ description: 'SHA-256 of the canonical cases: the same cases give the same hash in any format' }),
    caseCount: z.number().int(),
    createdAt: z.string().openapi({ description: 'When this content was first uploaded' }),
    uploadedAt: z.string().openapi({ description: 'When it was last uploaded; the latest upload is the latest version' }),
  })
  .openapi('DatasetVersion');

const DatasetSummarySchema = DatasetVersionSchema.extend({ versions: z.number().int() }).openapi('DatasetSummary');

const CaseSchema = z
  .object({
    id: z.string(),
    input: z.unknown(),
    expected: z.unknown().optional(),
    tags: z.array(z.string()).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('EvalCase');

const DatasetSchema = DatasetVersionSchema.extend({ cases: z.array(CaseSchema) }).openapi('Dataset');

const UploadBody = z
  .strictObject({
    name: DatasetNameSchema,
    cases: z.array(z.unknown()).optional().openapi({ description: 'Cases: {id, input, expected?, tags?, metadata?}' }),
    content: z.string().optional().openapi({ description: 'Or the text of a dataset file' }),
    format: z.enum(['jsonl', 'csv', 'json']).optional().openapi({ description: 'The format of `content`' }),
  })
  .refine((b) => (b.cases === undefined) !== (b.content === undefined), { message: 'give either "cases" (an array) or "content" with "format"', path: ['cases'] })
  .refine((b) => b.content === undefined || b.format !== undefined, { message: '"content" needs "format": "jsonl", "csv" or "json"', path: ['format'] })
  .refine((b) => b.cases === undefined || b.format === undefined, { message: '"format" goes with "content", not with "cases"', path: ['format'] })
  .openapi('DatasetUpload');

const NameParams = z.object({ name: DatasetNameSchema });

const upload = createRoute({
  method: 'post',
  path: '/api/datasets',
  tags: ['datasets'],
  summary: 'Upload a dataset (a new version unless the content is known)',
  description:
    'Either `{name, cases}` or `{name, content, format}` with the text of a JSONL, CSV or JSON-array file. Checked like `patchbay eval` checks a dataset file: a bad case or a duplicate id (naming both lines) is a 400. Answers 201 for a new version, 200 when the same content was uploaded before (it becomes the latest again).',
  request: { body: { required: true, content: { 'application/json': { schema: UploadBody } } } },
  responses: {
    200: jsonContent(DatasetVersionSchema, 'The same content was stored already'),
    201: jsonContent(DatasetVersionSchema, 'A new version'),
    ...problemResponses(400, 401, 413, 415),
  },
});

const list = createRoute({
  method: 'get',
  path: '/api/datasets',
  tags: ['datasets'],
  summary: 'Every dataset with its latest version, by name, a page at a time',
  request: { query: z.object(pageQuery(100)) },
  responses: { 200: { ...jsonContent(z.array(DatasetSummarySchema), 'Datasets'), headers: pageHeaders }, ...problemResponses(400, 401) },
});

const get = createRoute({
  method: 'get',
  path: '/api/datasets/{name}',
  tags: ['datasets'],
  summary: 'A dataset with its cases (the latest version, or `?hash=`)',
  description:
    'With `?cut=N`, each case\'s input field and expected field (or a plain input or expected) longer than N characters is a placeholder (`{"$patchbayCut": {hash, type, chars, preview}}`, as GET /api/runs/{id}?cut=N gives); the version read without it (`?hash=` the answer\'s `hash`) has them whole.',
  request: {
    params: NameParams,
    query: z.object({
      hash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex').optional(),
      cut: cutParam(
        'Give each case\'s input field and expected field longer than this many characters as `{"$patchbayCut": {hash, type, chars, preview}}`: its SHA-256, `string` or `json`, its length and its first N characters. Without it every case is given whole.',
      ),
    }),
  },
  responses: { 200: jsonContent(DatasetSchema, 'The dataset'), ...problemResponses(400, 401, 404) },
});

const versions = createRoute({
  method: 'get',
  path: '/api/datasets/{name}/versions',
  tags: ['datasets'],
  summary: "A dataset's versions by content hash, newest upload first",
  request: { params: NameParams },
  responses: { 200: jsonContent(z.array(DatasetVersionSchema), 'Versions'), ...problemResponses(400, 401, 404) },
});

const remove = createRoute({
  method: 'delete',
  path: '/api/datasets/{name}',
  tags: ['datasets'],
  summary: 'Delete a dataset and all its versions (eval results that ran on it stay whole)',
  request: { params: NameParams },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 404) },
});

export const datasetRoutes: RouteModule = {
  name: 'datasets',
  register(app, { store, redactor }) {
    app.openapi(upload, async (c) => {
      const body = c.req.valid('json');
      await refuseSecretValuesInTurns(redactor, body, '$', 'a dataset is stored as sent, so remove it first');
      const input = body.cases !== undefined ? { cases: body.cases } : { content: body.content!, format: body.format! };
      const { version, created } = await saveDataset(store, body.name, input).catch((err: Error) => {
        if (!(err instanceof DatasetError)) throw err;
        const at = body.cases ? `$.cases${err.caseIndex === undefined ? '' : `[${err.caseIndex}]`}` : '$.content';
        throw new HttpProblem(400, err.message, { type: 'invalid-dataset', errors: [{ path: at, message: err.message }] });
      });
      c.header('location', `/api/datasets/${body.name}?hash=${version.hash}`);
      return c.json(version, created ? 201 : 200);
    });

    app.openapi(list, async (c) => c.json(servePage(c, await store.datasets.list(c.req.valid('query'))), 200));

    app.openapi(get, async (c) => {
      const { name } = c.req.valid('param');
      const { hash, cut } = c.req.valid('query');
      const dataset = await store.datasets.get(name, hash);
      if (!dataset) {
        if (!hash) throw new HttpProblem(404, `there is no dataset "${name}"`, { type: 'dataset-not-found' });
        throw new HttpProblem(404, `dataset "${name}" has no version ${hash}`, { type: 'dataset-not-found', errors: [{ path: 'query.hash', message: 'no such version' }] });
      }
      const answer = cut === undefined ? dataset : { ...dataset, cases: cutDatasetCases(dataset.cases, cut, redactor.redact) };
      return c.json(answer as z.infer<typeof DatasetSchema>, 200);
    });

    app.openapi(versions, async (c) => {
      const { name } = c.req.valid('param');
      const found = await store.datasets.versions(name);
      if (found.length === 0) throw new HttpProblem(404, `there is no dataset "${name}"`, { type: 'dataset-not-found' });
      return c.json(found, 200);
    });

    app.openapi(remove, async (c) => {
      const { name } = c.req.valid('param');
      if (!(await store.datasets.delete(name))) throw new HttpProblem(404, `there is no dataset "${name}"`, { type: 'dataset-not-found' });
      return c.body(null, 204);
    });
  },
};
