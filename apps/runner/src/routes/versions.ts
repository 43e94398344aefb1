import { createRoute, z } from '@hono/zod-openapi';
import { diffPipelines, MAX_VERSION_MESSAGE_LENGTH, VERSION_MESSAGE_LIMIT, type PipelineDocument } from '@patchbay/core';
import { HttpProblem } from '../http/problem';
import { saveVersion } from '../pipelines/save-version';
import { DocumentSchema, jsonContent, StoredDocumentSchema, PipelineNameSchema, problemResponses, ValidationProblemSchema } from './common-schemas';
import { pageHeaders, pageQuery, servePage } from './paging';
import type { RouteModule } from './route-module';
import { wholeNumberParam } from './url-numbers';
import { missingVersion } from '../pipelines/missing-version';

export const SavedVersionSchema = z
  .object({
    pipeline: z.string(),
    number: z.number().int(),
    parent: z.number().int().nullable(),
    message: z.string(),
    createdAt: z.string(),
    contentHash: z.string(),
    behaviorHash: z.string(),
    problems: z.array(ValidationProblemSchema),
  })
  .openapi('VersionSummary');

export const VersionRecordSchema = SavedVersionSchema.extend({ document: StoredDocumentSchema }).openapi('Version');

const NameParams = z.object({ name: PipelineNameSchema });
const VersionParams = NameParams.extend({
  n: wholeNumberParam(z.coerce.number().int().min(1)).openapi({ param: { name: 'n', in: 'path' }, example: 1 }),
});

// Strict: a misspelt `mesage` would otherwise be dropped and the version saved with no message.
const SaveBody = z
  .strictObject({
    document: DocumentSchema,
    message: z.string().max(MAX_VERSION_MESSAGE_LENGTH, VERSION_MESSAGE_LIMIT).default(''),
    baseVersion: z
      .number()
      .int()
      .min(0)
      .nullable()
      .openapi({ description: 'The version the edit started from; null (or 0) saves version 1 of a new pipeline' }),
  })
  .openapi('SaveVersion');

const list = createRoute({
  method: 'get',
  path: '/api/pipelines/{name}/versions',
  tags: ['versions'],
  summary: "A pipeline's versions, newest first (without documents)",
  request: { params: NameParams, query: z.object(pageQuery(100)) },
  responses: { 200: { ...jsonContent(z.array(SavedVersionSchema), 'Versions'), headers: pageHeaders }, ...problemResponses(400, 401, 404) },
});

const save = createRoute({
  method: 'post',
  path: '/api/pipelines/{name}/versions',
  tags: ['versions'],
  summary: 'Save a new version',
  description:
    'Saves `document` as the next version when `baseVersion` is still the latest; otherwise 409 with `latest`. The document is stored with its problems, if any. Its `name` must be the pipeline name.',
  request: { params: NameParams, body: { required: true, content: { 'application/json': { schema: SaveBody } } } },
  responses: {
    201: jsonContent(SavedVersionSchema, 'Saved'),
    ...problemResponses(400, 401, 404, 409, 413, 415),
  },
});

const get = createRoute({
  method: 'get',
  path: '/api/pipelines/{name}/versions/{n}',
  tags: ['versions'],
  summary: 'One version with its document and problems',
  request: { params: VersionParams },
  responses: { 200: jsonContent(VersionRecordSchema, 'The version'), ...problemResponses(400, 401, 404) },
});

const DiffQuery = z.object({
  from: wholeNumberParam(z.coerce.number().int().min(1)).optional().openapi({ description: 'Default: the version before `to`' }),
  to: wholeNumberParam(z.coerce.number().int().min(1)).optional().openapi({ description: 'Default: the latest version' }),
});

const diff = createRoute({
  method: 'get',
  path: '/api/pipelines/{name}/diff',
  tags: ['versions'],
  summary: 'What changed between two versions',
  description: 'Nodes added, removed and changed (per config field), edges added and removed. A move on the canvas is not a change.',
  request: { params: NameParams, query: DiffQuery },
  responses: {
    200: jsonContent(z.object({ pipeline: z.string(), from: z.number().int(), to: z.number().int(), diff: z.unknown() }).openapi('VersionDiff'), 'The diff'),
    ...problemResponses(400, 401, 404),
  },
});

export const versionRoutes: RouteModule = {
  name: 'versions',
  register(app, { store, redactor, services }) {
    app.openapi(list, async (c) => {
      const { name } = c.req.valid('param');
      if (!(await store.pipelines.get(name))) throw new HttpProblem(404, `there is no pipeline "${name}"`, { type: 'pipeline-not-found' });
      return c.json(servePage(c, await store.versions.list(name, c.req.valid('query'))), 200);
    });

    app.openapi(save, async (c) => {
      const { name } = c.req.valid('param');
      const body = c.req.valid('json');
      const baseVersion = body.baseVersion === 0 ? null : body.baseVersion;
      const version = await saveVersion(store, redactor, { name, document: body.document, message: body.message, baseVersion, at: '$.document' }, services.pipelines);
      c.header('location', `/api/pipelines/${name}/versions/${version.number}`);
      const { document: _document, ...saved } = version;
      return c.json(saved, 201);
    });

    app.openapi(get, async (c) => {
      const { name, n } = c.req.valid('param');
      const version = await store.versions.get(name, n);
      if (!version) {
        const { pipelineExists, message } = await missingVersion(store, name, n);
        throw new HttpProblem(404, message, { type: pipelineExists ? 'version-not-found' : 'pipeline-not-found' });
      }
      return c.json(version as z.infer<typeof VersionRecordSchema>, 200);
    });

    app.openapi(diff, async (c) => {
      const { name } = c.req.valid('param');
      const query = c.req.valid('query');
      const pipeline = await store.pipelines.get(name);
      if (!pipeline) throw new HttpProblem(404, `there is no pipeline "${name}"`, { type: 'pipeline-not-found' });
      const to = query.to ?? pipeline.latestVersion;
      const from = query.from ?? Math.max(1, to - 1);
      const [a, b] = await Promise.all([store.versions.get(name, from), store.versions.get(name, to)]);
      // `to` first: a `from` left out is worked out of it (to - 1), and naming that one would puzzle whoever gave `to`.
      if (!a || !b) {
        const missing = !b ? { number: to, field: query.to === undefined ? undefined : 'query.to' } : { number: from, field: query.from === undefined ? undefined : 'query.from' };
        const message = `pipeline "${name}" has no version ${missing.number} (latest is ${pipeline.latestVersion})`;
        throw new HttpProblem(404, message, { type: 'version-not-found', ...(missing.field ? { errors: [{ path: missing.field, message }] } : {}) });
      }
      return c.json({ pipeline: name, from, to, diff: diffPipelines(a.document as PipelineDocument, b.document as PipelineDocument) }, 200);
    });
  },
};
