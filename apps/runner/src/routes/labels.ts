import { createRoute, z } from '@hono/zod-openapi';
import { moveLabel, removeLabel } from '../deploy/labels';
import { labelField, storedLabelField } from '../deploy/label-name';
import { DomainError } from '../domain-errors';
import { atField } from '../http/domain-problems';
import { refuseSecretValues } from '../http/secrets';
import { jsonContent, PipelineNameSchema, problemResponses } from './common-schemas';
import { pageHeaders, pageQuery, servePage } from './paging';
import type { RouteModule } from './route-module';

const LabelNameSchema = labelField().openapi({ param: { name: 'label', in: 'path' }, example: 'production' });

const NameParams = z.object({ name: PipelineNameSchema });
const LabelParams = z.object({ name: PipelineNameSchema, label: LabelNameSchema });
// An all-digit label from an older runner can be removed, never made.
const RemovedLabelParams = z.object({ name: PipelineNameSchema, label: storedLabelField().openapi({ param: { name: 'label', in: 'path' }, example: 'staging' }) });

export const LabelStateSchema = z.object({ version: z.number().int(), movedAt: z.string().openapi({ description: 'ISO 8601' }) }).openapi('LabelState');
const MovedLabelSchema = LabelStateSchema.extend({ label: z.string(), from: z.number().int().nullable() }).openapi('MovedLabel');

const DeploymentSchema = z
  .object({
    label: z.string(),
    from: z.number().int().nullable().openapi({ description: 'null: the label was new' }),
    to: z.number().int().nullable().openapi({ description: 'null: the label was removed' }),
    at: z.string(),
    by: z.string().openapi({ description: '`admin` or the serving key\'s name' }),
    note: z.string().nullable(),
    evalId: z.string().optional().openapi({ description: "The promotion's eval of the candidate" }),
    forced: z.boolean(),
  })
  .openapi('Deployment');

const list = createRoute({
  method: 'get',
  path: '/api/pipelines/{name}/labels',
  operationId: 'listLabels',
  tags: ['deployments'],
  summary: "A pipeline's labels and the versions they point at",
  request: { params: NameParams },
  responses: { 200: jsonContent(z.object({ labels: z.record(z.string(), LabelStateSchema) }).openapi('Labels'), 'Labels'), ...problemResponses(401, 404) },
});

const put = createRoute({
  method: 'put',
  path: '/api/pipelines/{name}/labels/{label}',
  operationId: 'moveLabel',
  tags: ['deployments'],
  summary: 'Move (or create) a label',
  description:
    'Points the label at `version` and appends the move to the deployment history. A version that does not exist is 404; one with problems 422; a field other than `version`, `note` and `force` 400 (a misspelt note is not dropped unseen). A move that would stop a labelled version of another pipeline that calls this label (`NAME@LABEL`, at any depth) from running is 409 `label-has-callers` naming them, unless `force` is true.',
  request: {
    params: LabelParams,
    body: {
      required: true,
      content: { 'application/json': { schema: z
            .strictObject({
              version: z.number().int().min(1),
              // PostgreSQL's text cannot keep a NUL: refused on either store, so a note means the same on both.
              note: z.string().max(2000).refine((note) => !note.includes('\u0000'), 'must not hold the NUL character (\\u0000)').optional(),
              force: z.boolean().optional().openapi({ description: 'Move it even when a labelled version of another pipeline that calls this label could then no longer run (recorded as forced)' }),
            })
            .openapi('MoveLabel') } },
    },
  },
  responses: { 200: jsonContent(MovedLabelSchema, 'The label where it now points'), ...problemResponses(400, 401, 404, 409, 422) },
});

const remove = createRoute({
  method: 'delete',
  path: '/api/pipelines/{name}/labels/{label}',
  operationId: 'removeLabel',
  tags: ['deployments'],
  summary: 'Remove a label (recorded in the history)',
  description: 'A label that a labelled version of another pipeline calls (`NAME@LABEL`, at any depth) is not removed while that version runs (409 `label-has-callers`), unless `force=true`.',
  request: {
    params: RemovedLabelParams,
    query: z.object({ force: z.enum(['true', 'false']).optional().openapi({ description: 'true: remove it even though a labelled caller then cannot run' }) }),
  },
  responses: { 204: { description: 'Removed' }, ...problemResponses(400, 401, 404, 409) },
});

const history = createRoute({
  method: 'get',
  path: '/api/pipelines/{name}/deployments',
  operationId: 'listDeployments',
  tags: ['deployments'],
  summary: "Every move of the pipeline's labels, newest first",
  description:
    'Append-only: a rollback is one more move. A deleted pipeline\'s history is still listed. Pages like every list (`limit`, `cursor`, `X-Next-Cursor`); the body keeps its `deployments` member.',
  request: { params: NameParams, query: z.object(pageQuery(200)) },
  responses: { 200: { ...jsonContent(z.object({ deployments: z.array(DeploymentSchema) }).openapi('Deployments'), 'History'), headers: pageHeaders }, ...problemResponses(400, 401) },
});

export const labelRoutes: RouteModule = {
  name: 'labels',
  register(app, { store, redactor }) {
    app.openapi(list, async (c) => {
      const { name } = c.req.valid('param');
      if (!(await store.pipelines.get(name))) throw new DomainError('pipeline-not-found', `there is no pipeline "${name}"`);
      return c.json({ labels: await store.labels.list(name) }, 200);
    });

    app.openapi(put, async (c) => {
      const { name, label } = c.req.valid('param');
      const { version, note, force } = c.req.valid('json');
      // Its name is stored with its history and counted in /metrics: a pasted key must not be one.
      refuseSecretValues(redactor, label, 'path.label', 'a label is stored under its name, so choose another');
      // Free text kept in a history never rewritten: a pasted key is masked before it is stored, as a version message is.
      const move = { pipeline: name, label, version, note: note === undefined ? null : redactor.redact(note), by: 'admin' };
      const moved = moveLabel(store, move, { callers: force === true ? 'force' : 'keep-running' });
      const { forced: _forced, ...answer } = await atField(moved, { 'version-not-found': '$.version', 'version-invalid': '$.version' });
      return c.json(answer, 200);
    });

    app.openapi(remove, async (c) => {
      const { name, label } = c.req.valid('param');
      await removeLabel(store, name, label, 'admin', { callers: c.req.valid('query').force === 'true' ? 'force' : 'keep-running' });
      return c.body(null, 204);
    });

    app.openapi(history, async (c) => {
      const { name } = c.req.valid('param');
      return c.json({ deployments: servePage(c, await store.deployments.list(name, c.req.valid('query'))) }, 200);
    });
  },
};
