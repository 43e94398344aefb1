import { z } from '@hono/zod-openapi';

/** Schemas more than one route module describes in OpenAPI. */

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .catchall(z.unknown())
  .openapi('Problem', { description: 'RFC 9457 problem details' });

export const ValidationProblemSchema = z
  .object({ path: z.string(), code: z.string(), message: z.string(), nodes: z.array(z.string()).optional() })
  .openapi('ValidationProblem');

/** Documents are checked by core's parseDocument (400) and validatePipeline (problems), not here, so the messages match the CLI's. */
export const DocumentSchema = z
  .record(z.string(), z.unknown())
  .openapi('PipelineDocument', {
    description: 'A patchbay.pipeline/v1 document; its JSON Schema is packages/core/schema/pipeline.schema.json',
  });

export const PipelineNameSchema = z
  .string()
  .regex(/^[a-z0-9-]+$/, 'a pipeline name is a slug: [a-z0-9-]+')
  .max(200)
  .openapi({ param: { name: 'name', in: 'path' }, example: 'support-assistant' });

export function problemResponses(...statuses: number[]) {
  const out: Record<number, { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }> = {};
  const descriptions: Record<number, string> = {
    400: 'The request is malformed or not a pipeline document',
    401: 'Missing or wrong bearer token',
    404: 'Not found',
    409: 'Conflict',
    413: 'Body over the size limit',
    415: 'Content type is not application/json',
    422: 'The pipeline or inputs have problems',
  };
  for (const status of statuses) {
    out[status] = { description: descriptions[status] ?? 'Error', content: { 'application/problem+json': { schema: ProblemSchema } } };
  }
  return out;
}

export const jsonContent = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
