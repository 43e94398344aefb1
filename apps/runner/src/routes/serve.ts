import { createRoute, z } from '@hono/zod-openapi';
import { resolveServed } from '../deploy/served-version';
import { atField } from '../http/domain-problems';
import { startServedRun } from '../deploy/served-run';
import { labelField } from '../deploy/label-name';
import { assertMayServe, callerOf, keyNameOf } from '../http/caller';
import { HttpProblem } from '../http/problem';
import { jsonContent, PipelineNameSchema, problemResponses } from './common-schemas';
import { runEventsResponse } from './job-events-stream';
import { StreamQuery, wantsEventStream } from './stream-choice';
import type { RouteModule } from './route-module';

const ServeBody = z
  .object({
    inputs: z.record(z.string(), z.unknown()).default({}).openapi({ description: '{name: value} for the input nodes' }),
    label: labelField((version) => `give "version": ${version} to run it`)
      .optional()
      .openapi({ description: 'Default `production`' }),
    version: z.number().int().min(1).optional().openapi({ description: 'A version number instead of a label' }),
  })
  // A misspelt field ("lable") would otherwise be dropped and production served in its place.
  .strict()
  .refine((b) => b.label === undefined || b.version === undefined, { message: 'give "label" or "version", not both', path: ['version'] })
  .openapi('ServeRun');

const ServedSchema = z
  .object({
    runId: z.string(),
    pipeline: z.string(),
    version: z.number().int(),
    label: z.string().nullable(),
    outputs: z.record(z.string(), z.unknown()).nullable(),
    status: z.enum(['succeeded', 'failed', 'cancelled']),
    error: z.string().optional(),
  })
  .openapi('ServedRun');

const run = createRoute({
  method: 'post',
  path: '/api/pipelines/{name}/run',
  operationId: 'servePipeline',
  tags: ['serving'],
  summary: 'Run the version a label points at and answer with its outputs',
  description:
    'Runs the version `label` (default `production`) points at, or `version`, and answers when the run ends. With `?stream=true` or `Accept: text/event-stream` the answer is the run\'s events as Server-Sent Events, as for POST /api/runs (`?stream=false` answers whole whatever Accept says). A serving key may call this for its pipelines.',
  request: {
    params: z.object({ name: PipelineNameSchema }),
    query: StreamQuery,
    body: { required: true, content: { 'application/json': { schema: ServeBody } } },
  },
  responses: {
    200: {
      description: 'The run and its outputs (or, streaming, its events)',
      content: { 'application/json': { schema: ServedSchema }, 'text/event-stream': { schema: z.string() } },
    },
    ...problemResponses(400, 401, 403, 404, 422),
  },
});

export const serveRoutes: RouteModule = {
  name: 'serve',
  register(app, deps) {
    app.openapi(run, async (c) => {
      const { name } = c.req.valid('param');
      assertMayServe(c, name);
      const body = c.req.valid('json');
      const target = await atField(resolveServed(deps.store, { pipeline: name, label: body.label, version: body.version }), {
        'label-not-set': '$.label',
        'version-not-found': '$.version',
        'version-invalid': '$.version',
      });
      const { stream } = c.req.valid('query');
      const streamed = wantsEventStream(c, stream);
      // A stream opened with a serving key ends when the key is revoked, and its run is cancelled.
      const caller = callerOf(c);
      const watched = streamed && caller.kind === 'key' ? deps.keyRevocations?.watch(caller.hash) : undefined;
      let served: Awaited<ReturnType<typeof startServedRun>>;
      try {
        served = await startServedRun(deps.runs, target, body.inputs, { source: 'serve', keyName: keyNameOf(c), traceparent: c.req.header('traceparent'), whole: !streamed, left: watched?.signal, gone: c.req.raw.signal });
      } catch (err) {
        watched?.release();
        throw err;
      }
      if (streamed) {
        c.header('location', `/api/runs/${served.id}`);
        c.header('x-run-id', served.id);
        if (!watched || caller.kind !== 'key') return runEventsResponse(c, deps, served.id, 0) as never;
        void served.outcome.finally(() => watched.release());
        const revoked = new HttpProblem(401, `serving key "${caller.name}" was revoked: this stream ends here`, { type: 'unauthorized' });
        return runEventsResponse(c, deps, served.id, 0, { cutOff: { signal: watched.signal, event: { event: 'error', data: deps.redactor.redact(JSON.stringify(revoked.toJSON())) } } }) as never;
      }
      const outcome = await served.outcome;
      return c.json(
        {
          runId: served.id,
          pipeline: target.pipeline,
          version: target.version,
          label: target.label,
          outputs: outcome.outputs,
          status: outcome.status,
          ...(outcome.error !== null ? { error: outcome.error } : {}),
        },
        200,
      );
    });
  },
};
