import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { checkInputs, nodePorts, pipelineRefs, RunFromError, resolvePipelines, RUN_STATUSES, type NodeTrace, type PipelineDocument, type PipelineResolver } from '@patchbay/core';
import { pipelineInvalid } from '../domain-errors';
import { HttpProblem } from '../http/problem';
import { problemsNow } from '../pipelines/problems-now';
import { checkDocument, underPath } from '../pipelines/save-version';
import { storeResolverOf } from '../pipelines/pipeline-resolver';
import { FromRunNotFoundError, runFromNode } from '../runs/run-from';
import { DocumentSchema, jsonContent, orNull, packageType, StoredDocumentSchema, PipelineNameSchema, pipelineFilter, problemResponses } from './common-schemas';
import { monitorFilter } from '../monitoring/monitor-spec';
import { isoTime } from './iso-time';
import { StreamQuery, wantsEventStream } from './stream-choice';
import { pageHeaders, pageQuery, servePage } from './paging';
import { resumeFrom, runEventsResponse } from './job-events-stream';
import type { AppDeps, RouteModule } from './route-module';
import { RUN_SOURCES } from '../store/runs';
import { storedLabelField } from '../deploy/label-name';
import { decimalParam, wholeNumberParam } from './url-numbers';
import { missingVersion } from '../pipelines/missing-version';
import { findValueText, ValueCut } from '../runs/value-cut';

const RunSummarySchema = z
  .object({
    id: z.string(),
    pipeline: z.string().nullable(),
    version: z.number().int().nullable(),
    status: z.enum(RUN_STATUSES),
    error: z.string().nullable(),
    failedNode: z.string().nullable(),
    startedAt: z.number().openapi({ description: 'Epoch milliseconds' }),
    durationMs: z.number().nullable(),
    source: z.enum(RUN_SOURCES).openapi({ description: 'Where the run came from' }),
    label: z.string().nullable().openapi({ description: 'The label it was served under' }),
    keyName: z.string().nullable().openapi({ description: "The serving key's name, when a serving key called" }),
    from: z
      .object({ run: z.string(), node: z.string() })
      .nullable()
      .openapi({ description: 'Set for a partial run: started from this node of that earlier run (upstream nodes were reused)' }),
  })
  .openapi('RunSummary');

const NodeTraceSchema = packageType<NodeTrace>(
  'NodeTrace',
  '@patchbay/core#NodeTrace',
  'What the run recorded about one node: status, inputs, outputs, startedAt, durationMs, attempts, error, model, usage, costUsd',
);

const RunRecordSchema = RunSummarySchema.extend({
  document: orNull(StoredDocumentSchema, 'The inline document the run ran; null for a saved version'),
  inputs: z.record(z.string(), z.unknown()),
  outputs: z.record(z.string(), z.unknown()).nullable(),
  nodes: z.record(z.string(), NodeTraceSchema),
  resolved: z
    .record(z.string(), z.object({ pipeline: z.string(), version: z.number().int(), label: z.string().optional() }))
    .nullable()
    .openapi({ description: 'The version each pipeline reference (NAME, NAME@vN, NAME@LABEL) resolved to when the run started' }),
}).openapi('Run');

// Strict, as the eval routes are: a typo ("input", "pin") would otherwise run without what it meant.
const RunBody = z
  .strictObject({
    pipeline: PipelineNameSchema.optional().openapi({ description: 'A saved pipeline to run' }),
    version: z.number().int().min(1).optional().openapi({ description: 'Its version; default the latest' }),
    document: DocumentSchema.optional().openapi({ description: 'Or an inline document to run unsaved' }),
    inputs: z.record(z.string(), z.unknown()).optional().openapi({ description: '{name: value} for the input nodes (with `from`: default the earlier run\'s)' }),
    from: z
      .strictObject({ run: z.string().min(1).max(100), node: z.string().min(1).max(200) })
      .optional()
      .openapi({ description: 'Run from a node: re-run this node and everything downstream; upstream nodes are reused with their outputs in that run' }),
    pins: z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .optional()
      .openapi({ description: "The editor's pinned outputs by node id (only with an inline `document`): those nodes do not run" }),
    source: z.enum(['api', 'editor']).default('api').openapi({ description: 'Who starts it: the editor says `editor`; default `api`' }),
  })
  .refine((b) => (b.pipeline === undefined) !== (b.document === undefined), {
    message: 'give either "pipeline" (with an optional "version") or "document"',
  })
  .refine((b) => b.document === undefined || b.version === undefined, { message: '"version" goes with "pipeline", not with "document"', path: ['version'] })
  .refine((b) => b.pins === undefined || b.document !== undefined, { message: 'pins belong to an editor draft: they go with "document", never with a saved version', path: ['pins'] })
  .openapi('StartRun');

const IdParams = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });

/** `?cut=N` (runs/value-cut.ts): `description` says which values it cuts and where the whole is. */
export const cutParam = (description: string) =>
  wholeNumberParam(z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER)).optional().openapi({ type: 'integer', description });

/** `?cut=N` of a run and its events. */
const CutQuery = z.object({
  cut: cutParam(
    'Give each value (the run\'s inputs and outputs, a node\'s inputs, outputs and calls) longer than this many characters as `{"$patchbayCut": {hash, type, chars, preview}}`: its SHA-256, `string` or `json`, its length and its first N characters; `GET /api/runs/{id}/values/{hash}` gives it whole. Without it every value is given whole.',
  ),
});


const start = createRoute({
  method: 'post',
  path: '/api/runs',
  tags: ['runs'],
  summary: 'Start a run',
  description:
    'Runs a saved version (`pipeline`, `version?`) or an inline `document` with `inputs`. Answers 201 `{id}` at once while the run goes on; with `?stream=true` or `Accept: text/event-stream` the answer is the run\'s events as Server-Sent Events, ending with run.completed or run.failed (`?cut=N` cuts long values as GET /api/runs/{id}/events does). A pipeline with problems, or inputs that do not fit, is refused with 422 and the problems.',
  request: {
    query: StreamQuery.extend(CutQuery.shape),
    body: { required: true, content: { 'application/json': { schema: RunBody } } },
  },
  responses: {
    200: { description: 'The run\'s events (when streaming)', content: { 'text/event-stream': { schema: z.string() } } },
    201: jsonContent(z.object({ id: z.string(), status: z.enum(RUN_STATUSES) }).openapi('RunStarted'), 'The run started'),
    ...problemResponses(400, 401, 404, 409, 413, 415, 422),
  },
});

const list = createRoute({
  method: 'get',
  path: '/api/runs',
  tags: ['runs'],
  summary: 'Recent runs, newest first',
  request: {
    query: z.object({
      pipeline: pipelineFilter().optional(),
      source: z.enum(RUN_SOURCES).optional(),
      // No run was served under a label that is not one: say so rather than answer an empty list. '' is no filter.
      // Digits only are taken: an older runner served runs under such labels.
      label: z.union([z.literal(''), storedLabelField((version) => `filter by version with version=${version}`)]).optional(),
      version: wholeNumberParam(z.coerce.number().int().min(1)).optional(),
      status: z.enum(RUN_STATUSES).optional(),
      monitor: monitorFilter().optional().openapi({ description: 'Only runs this monitor scored (with minScore/maxScore: within those bounds)' }),
      minScore: decimalParam(z.coerce.number().min(0).max(1)).optional(),
      maxScore: decimalParam(z.coerce.number().min(0).max(1)).optional(),
      finishedFrom: isoTime.optional().openapi({ type: 'string', description: 'Only runs that finished at or after this ISO 8601 time (with finishedTo: one step of /api/metrics)' }),
      finishedTo: isoTime.optional().openapi({ type: 'string', description: 'Only runs that finished before this ISO 8601 time' }),
      ...pageQuery(50),
    }),
  },
  responses: { 200: { ...jsonContent(z.array(RunSummarySchema), 'Runs'), headers: pageHeaders }, ...problemResponses(400, 401) },
});

const get = createRoute({
  method: 'get',
  path: '/api/runs/{id}',
  tags: ['runs'],
  summary: 'A run with its full trace',
  description: 'With `?cut=N`, each value longer than N characters is a placeholder (`{"$patchbayCut": {hash, type, chars, preview}}`), and `GET /api/runs/{id}/values/{hash}` gives it whole.',
  request: { params: IdParams, query: CutQuery },
  responses: { 200: jsonContent(RunRecordSchema, 'The run'), ...problemResponses(401, 404) },
});

const events = createRoute({
  method: 'get',
  path: '/api/runs/{id}/events',
  tags: ['runs'],
  summary: "A run's events as Server-Sent Events",
  description: 'Past events are replayed, then live ones follow until the run ends. `Last-Event-ID` resumes after that event; one this stream never sent (not a whole number, or past the last event of a finished one) is a 400. `?cut=N` cuts long values as GET /api/runs/{id} does.',
  request: { params: IdParams, query: CutQuery },
  responses: { 200: { description: 'Event stream', content: { 'text/event-stream': { schema: z.string() } } }, ...problemResponses(400, 401, 404) },
});

const value = createRoute({
  method: 'get',
  path: '/api/runs/{id}/values/{hash}',
  tags: ['runs'],
  summary: 'One whole value of a run',
  description: 'The value a `?cut=N` placeholder stands for (its `hash`), as JSON: a string as a JSON string. 404 when the run has no value with that hash.',
  request: {
    params: IdParams.extend({
      hash: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex (64 characters 0-9, a-f), as a placeholder\'s hash is')
        .openapi({ param: { name: 'hash', in: 'path' } }),
    }),
  },
  responses: { 200: jsonContent(z.unknown().openapi({ description: 'The value' }), 'The value'), ...problemResponses(400, 401, 404) },
});

const cancel = createRoute({
  method: 'post',
  path: '/api/runs/{id}/cancel',
  tags: ['runs'],
  summary: 'Cancel a running run',
  request: { params: IdParams },
  responses: {
    200: jsonContent(z.object({ id: z.string(), status: z.enum(RUN_STATUSES) }).openapi('RunCancelled'), 'The run\'s status after cancelling'),
    ...problemResponses(401, 404, 409),
  },
});

/** The document to run: a saved version (refused with 422 when it has problems) or an inline one (400 / 422). */
async function resolveDocument(deps: AppDeps, body: z.infer<typeof RunBody>, pipelines: PipelineResolver) {
  if (body.pipeline !== undefined) {
    const version = body.version === undefined ? await deps.store.versions.latest(body.pipeline) : await deps.store.versions.get(body.pipeline, body.version);
    if (!version) {
      const { pipelineExists, message } = body.version === undefined ? { pipelineExists: false, message: `there is no pipeline "${body.pipeline}"` } : await missingVersion(deps.store, body.pipeline, body.version);
      throw new HttpProblem(404, message, { type: pipelineExists ? 'version-not-found' : 'pipeline-not-found', errors: [{ path: pipelineExists ? '$.version' : '$.pipeline', message }] });
    }
    const problems = await problemsNow(version, pipelines);
    if (problems.length > 0) throw pipelineInvalid(`version ${version.number} of "${version.pipeline}"`, 'run', problems);
    return { document: version.document as PipelineDocument, pipeline: version.pipeline, version: version.number, inline: false };
  }
  const checked = await checkDocument(body.document, deps.redactor, '$.document', pipelines);
  if (checked.problems.length > 0) throw pipelineInvalid('the document', 'run', checked.problems.map(underPath('$.document')));
  return { document: checked.document, pipeline: checked.document.name, version: null, inline: true };
}

/** Why a run cannot start from that node: 404 no such run, 422 no such node, 409 the document changed upstream or the run did not get there. */
function runFromProblem(err: unknown): never {
  if (err instanceof FromRunNotFoundError) throw new HttpProblem(404, err.message, { type: 'run-not-found', errors: [{ path: '$.from.run', message: err.message }] });
  if (err instanceof RunFromError) {
    const status = err.code === 'unknown-node' ? 422 : 409;
    throw new HttpProblem(status, err.message, { type: err.code, node: err.node, errors: [{ path: '$.from.node', message: err.message }] });
  }
  throw err;
}

/**
 * Pins as reused outputs. A pin on a node the document does not have is refused, and so is one naming an
 * output the node does not have: a typo (`txt` for `text`) would feed nothing on and skip everything below.
 */
async function pinnedNodes(document: PipelineDocument, pins: Record<string, Record<string, unknown>>, pipelines: PipelineResolver) {
  const lookup = pipelineRefs(document).length > 0 ? await resolvePipelines(document, pipelines) : undefined;
  const reuse: Record<string, { outputs: Record<string, unknown>; pinned: true }> = {};
  for (const [id, outputs] of Object.entries(pins)) {
    const node = document.nodes.find((n) => n.id === id);
    if (!node) {
      throw new HttpProblem(422, `$.pins.${id}: there is no node "${id}" to pin`, { type: 'unknown-pinned-node', errors: [{ path: `$.pins.${id}`, message: `no node "${id}"` }] });
    }
    const names = (nodePorts(node, lookup)?.outputs ?? []).map((p) => p.name);
    const unknown = Object.keys(outputs).find((name) => !names.includes(name));
    if (unknown !== undefined) {
      const message = `node "${id}" has no output "${unknown}"`;
      const has = names.length > 0 ? `its outputs: ${names.join(', ')}` : 'it has no outputs';
      throw new HttpProblem(422, `$.pins.${id}.${unknown}: ${message} (${has})`, { type: 'unknown-pinned-output', errors: [{ path: `$.pins.${id}.${unknown}`, message }] });
    }
    reuse[id] = { outputs, pinned: true };
  }
  return reuse;
}

export const runRoutes: RouteModule = {
  name: 'runs',
  register(app, deps) {
    const { store, runs } = deps;
    const runEvents = (c: Context, id: string, fromSeq: number, cut?: number) => runEventsResponse(c, deps, id, fromSeq, { cut });

    app.openapi(start, async (c) => {
      const body = c.req.valid('json');
      const pipelines = deps.services.pipelines ?? storeResolverOf(store);
      const target = await resolveDocument(deps, body, pipelines);
      const partial = body.from ? await runFromNode(store, target.document, body.from, body.inputs).catch(runFromProblem) : undefined;
      const inputs = partial?.inputs ?? body.inputs ?? {};
      const pins = body.pins ? await pinnedNodes(target.document, body.pins, pipelines) : undefined;
      const problems = checkInputs(target.document, inputs, { unknown: 'error' });
      if (problems.length > 0) {
        throw new HttpProblem(422, `the inputs do not fit: ${problems[0].path}: ${problems[0].message}`, {
          type: 'invalid-inputs',
          problems,
          errors: problems.map(({ path, message }) => ({ path, message })),
        });
      }
      const reuse = partial || pins ? { ...partial?.reuse, ...pins } : undefined;
      const id = await runs.start({ ...target, inputs, source: body.source, traceparent: c.req.header('traceparent'), ...(reuse ? { reuse } : {}), ...(body.from ? { from: body.from } : {}) });
      const location = `/api/runs/${id}`;
      const { stream, cut } = c.req.valid('query');
      const wantsStream = wantsEventStream(c, stream);
      c.header('location', location);
      if (wantsStream) {
        c.header('x-run-id', id);
        return runEvents(c, id, 0, cut) as never;
      }
      return c.json({ id, status: 'running' as const }, 201);
    });

    app.openapi(list, async (c) => {
      const { pipeline, source, label, version, status, monitor, minScore, maxScore, finishedFrom, finishedTo, limit, cursor } = c.req.valid('query');
      if (!monitor && (minScore !== undefined || maxScore !== undefined)) {
        throw new HttpProblem(400, 'minScore and maxScore go with monitor=NAME', { errors: [{ path: 'query.monitor', message: 'required with minScore or maxScore' }] });
      }
      // Bounds that no run can meet are said, not answered with an empty list that looks like "no runs".
      if (minScore !== undefined && maxScore !== undefined && minScore > maxScore) {
        const detail = `minScore (${minScore}) is more than maxScore (${maxScore})`;
        throw new HttpProblem(400, detail, { errors: [{ path: 'query.maxScore', message: detail }] });
      }
      if (finishedFrom !== undefined && finishedTo !== undefined && finishedFrom >= finishedTo) {
        throw new HttpProblem(400, 'finishedFrom must be before finishedTo', { errors: [{ path: 'query.finishedTo', message: 'not after finishedFrom' }] });
      }
      const byMonitor = monitor ? { name: monitor, minScore, maxScore } : undefined;
      const finished = finishedFrom !== undefined || finishedTo !== undefined ? { from: finishedFrom ?? 0, to: finishedTo ?? Number.MAX_SAFE_INTEGER } : undefined;
      // Scores are written in batches: the ones given so far must count.
      if (byMonitor) await store.monitors.flush();
      const page = await store.runs.list({ pipeline: pipeline || undefined, source, label: label || undefined, version, status, monitor: byMonitor, finished, limit, cursor });
      return c.json(servePage(c, page), 200);
    });

    app.openapi(get, async (c) => {
      const { id } = c.req.valid('param');
      const { cut } = c.req.valid('query');
      const record = await store.runs.get(id);
      if (!record) throw new HttpProblem(404, `there is no run "${id}"`, { type: 'run-not-found' });
      const live = await runs.liveView(record);
      return c.json((cut === undefined ? live : new ValueCut(cut, deps.redactor.redact).record(live)) as z.infer<typeof RunRecordSchema>, 200);
    });

    app.openapi(events, async (c) => {
      const { id } = c.req.valid('param');
      return runEvents(c, id, resumeFrom(c.req.header('last-event-id')), c.req.valid('query').cut) as never;
    });

    app.openapi(value, async (c) => {
      const { id, hash } = c.req.valid('param');
      // A value the store keeps once is read alone; any other (shorter, or of a run still going) is found in the record.
      // The stored text is masked with what was known when the run was written: masked again with what is known now,
      // as c.json masks GET /api/runs/:id (c.body passes no middleware).
      const stored = await store.runs.value(id, hash);
      let text = stored === undefined ? undefined : deps.redactor.redact(stored);
      if (text === undefined) {
        const record = await store.runs.get(id);
        if (!record) throw new HttpProblem(404, `there is no run "${id}"`, { type: 'run-not-found' });
        text = findValueText(await runs.liveView(record), hash, deps.redactor.redact);
      }
      if (text === undefined) throw new HttpProblem(404, `run "${id}" has no value with hash ${hash}`, { type: 'value-not-found', errors: [{ path: 'path.hash', message: 'no value of this run has this hash' }] });
      return c.body(text, 200, { 'content-type': 'application/json' }) as never;
    });

    app.openapi(cancel, async (c) => {
      const { id } = c.req.valid('param');
      const before = await store.runs.get(id);
      if (!before) throw new HttpProblem(404, `there is no run "${id}"`, { type: 'run-not-found' });
      if (!(await runs.cancel(id))) throw new HttpProblem(409, `run "${id}" is not running (it is ${before.status})`, { type: 'run-not-running', runStatus: before.status });
      const after = await store.runs.get(id);
      return c.json({ id, status: after?.status ?? 'running' }, 200);
    });
  },
};
