import { createRoute, z } from '@hono/zod-openapi';
import { interfacePorts, PIPELINE_REF_PATTERN, versionSpellingProblem } from '@patchbay/core';
import { HttpProblem } from '../http/problem';
import { storeResolverOf } from '../pipelines/pipeline-resolver';
import { DocumentSchema, jsonContent, problemResponses } from './common-schemas';
import type { RouteModule } from './route-module';

const PortSchema = z.object({ name: z.string(), type: z.string(), required: z.boolean().optional(), description: z.string().optional() });

const ResolvedSchema = z
  .object({
    ref: z.string(),
    name: z.string(),
    version: z.number().int(),
    label: z.string().optional(),
    document: DocumentSchema,
    problems: z.array(z.object({ path: z.string(), message: z.string() }).passthrough()),
    inputs: z.array(PortSchema),
    outputs: z.array(PortSchema),
  })
  .openapi('ResolvedPipelineRef');

const resolve = createRoute({
  method: 'get',
  path: '/api/pipeline-refs/{ref}',
  operationId: 'resolvePipelineRef',
  tags: ['pipelines'],
  summary: 'Resolve a pipeline reference (NAME, NAME@vN, NAME@LABEL)',
  description: 'The version a `pipeline` or `map` node would call now, with its inputs and outputs as ports (the editor draws them). 404 names why it does not resolve.',
  request: {
    params: z.object({
      ref: z
        .string()
        .max(200)
        .regex(PIPELINE_REF_PATTERN, 'a pipeline reference is NAME, NAME@vN or NAME@LABEL')
        // child@v01 is no reference, as a node's config.ref says (core's rule), not one that resolves to nothing.
        .superRefine((ref, ctx) => {
          const problem = versionSpellingProblem(ref);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        })
        .openapi({ param: { name: 'ref', in: 'path' }, example: 'support-assistant@v3' }),
    }),
  },
  responses: { 200: jsonContent(ResolvedSchema, 'The version the reference resolves to now'), ...problemResponses(400, 401, 404) },
});

export const pipelineRefRoutes: RouteModule = {
  name: 'pipeline-refs',
  register(app, { store, services }) {
    app.openapi(resolve, async (c) => {
      const { ref } = c.req.valid('param');
      const resolver = services.pipelines ?? storeResolverOf(store);
      const answer = await resolver.resolve(ref);
      if ('error' in answer) throw new HttpProblem(404, answer.error, { type: 'unresolved-pipeline' });
      return c.json({ ref, ...answer, problems: answer.problems ?? [], ...interfacePorts(answer.document) } as z.infer<typeof ResolvedSchema>, 200);
    });
  },
};
