import { createRoute, z } from '@hono/zod-openapi';
import { checkCallers } from '../deploy/label-callers';
import { saveVersion } from '../pipelines/save-version';
import { HttpProblem } from '../http/problem';
import { DocumentSchema, jsonContent, PipelineNameSchema, problemResponses } from './common-schemas';
import { pageHeaders, pageQuery, servePage } from './paging';
import { LabelStateSchema } from './labels';
import { SavedVersionSchema, VersionRecordSchema } from './versions';
import type { RouteModule } from './route-module';

export const PipelineSummarySchema = z
  .object({
    name: z.string(),
    title: z.string().nullable(),
    description: z.string().nullable(),
    latestVersion: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    labels: z.record(z.string(), LabelStateSchema).openapi({ description: 'Where each of its labels points (`production`, …); empty when none is set' }),
  })
  .openapi('PipelineSummary');

const NameParams = z.object({ name: PipelineNameSchema });

const list = createRoute({
  method: 'get',
  path: '/api/pipelines',
  tags: ['pipelines'],
  summary: 'List pipelines, by name, a page at a time',
  request: { query: z.object(pageQuery(100)) },
  responses: { 200: { ...jsonContent(z.array(PipelineSummarySchema), 'Saved pipelines, by name'), headers: pageHeaders }, ...problemResponses(400, 401) },
});

const create = createRoute({
  method: 'post',
  path: '/api/pipelines',
  tags: ['pipelines'],
  summary: 'Create a pipeline',
  description:
    'Saves the document as version 1 of a new pipeline named by its `name`. A document with problems is saved with them; a body that is not a pipeline document is refused with 400.',
  request: { body: { required: true, content: { 'application/json': { schema: DocumentSchema } } } },
  responses: { 201: jsonContent(SavedVersionSchema, 'Version 1 was saved'), ...problemResponses(400, 401, 409, 413, 415) },
});

const get = createRoute({
  method: 'get',
  path: '/api/pipelines/{name}',
  tags: ['pipelines'],
  summary: 'Latest version of a pipeline, with its document and problems',
  request: { params: NameParams },
  responses: { 200: jsonContent(VersionRecordSchema, 'The latest version'), ...problemResponses(401, 404) },
});

const remove = createRoute({
  method: 'delete',
  path: '/api/pipelines/{name}',
  tags: ['pipelines'],
  summary: 'Delete a pipeline and all its versions (its runs stay)',
  description:
    'A pipeline that a labelled version of another calls (a `pipeline` or `map` node, by any reference, at any depth) is not deleted while that version runs (409 `label-has-callers` naming it), unless `force=true`.',
  request: {
    params: NameParams,
    query: z.object({ force: z.enum(['true', 'false']).optional().openapi({ description: 'true: delete it even though a labelled caller then cannot run' }) }),
  },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 404, 409) },
});

export const pipelineRoutes: RouteModule = {
  name: 'pipelines',
  register(app, { store, redactor, services, monitoring }) {
    app.openapi(list, async (c) => {
      const pipelines = servePage(c, await store.pipelines.list(c.req.valid('query')));
      // The list says what is deployed: one query for the page's labels, not one per pipeline.
      const labels = await store.labels.ofPipelines(pipelines.map((p) => p.name));
      return c.json(pipelines.map((p) => ({ ...p, labels: labels.get(p.name) ?? {} })), 200);
    });

    app.openapi(create, async (c) => {
      const body = c.req.valid('json');
      const name = typeof body.name === 'string' ? body.name : '';
      const version = await saveVersion(store, redactor, { name, document: body, message: 'created', baseVersion: null, at: '$' }, services.pipelines);
      c.header('location', `/api/pipelines/${version.pipeline}/versions/${version.number}`);
      const { document: _document, ...saved } = version;
      return c.json(saved, 201);
    });

    app.openapi(get, async (c) => {
      const { name } = c.req.valid('param');
      const latest = await store.versions.latest(name);
      if (!latest) throw new HttpProblem(404, `there is no pipeline "${name}"`, { type: 'pipeline-not-found' });
      return c.json(latest as z.infer<typeof VersionRecordSchema>, 200);
    });

    app.openapi(remove, async (c) => {
      const { name } = c.req.valid('param');
      if (c.req.valid('query').force !== 'true' && (await store.pipelines.get(name))) await checkCallers(store, { pipeline: name, deleted: true }, 'keep-running');
      if (!(await store.pipelines.delete(name))) throw new HttpProblem(404, `there is no pipeline "${name}"`, { type: 'pipeline-not-found' });
      await monitoring?.forgetPipeline(name);
      return c.body(null, 204);
    });
  },
};
