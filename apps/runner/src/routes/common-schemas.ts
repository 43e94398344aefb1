import { z } from '@hono/zod-openapi';
import { MAX_PIPELINE_NAME_LENGTH, PIPELINE_NAME_PATTERN, type JsonSchema, type PipelineDocument } from '@patchbay/core';

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

/**
 * A shape one of our packages owns (a pipeline document, a node trace, an eval summary): OpenAPI
 * describes it loosely and names it; the editor's generated client takes the package's own
 * type for it (`x-typescript-type`), so the shape is written once, in that package.
 */
export function packageType<T>(name: string, type: `@patchbay/${string}#${string}`, description: string): z.ZodType<T> {
  return z.record(z.string(), z.unknown()).openapi(name, { description, 'x-typescript-type': type } as never) as unknown as z.ZodType<T>;
}

/** Documents are checked by core's parseDocument (400) and validatePipeline (problems), not here, so the messages match the CLI's. */
export const DocumentSchema = packageType<Record<string, unknown>>(
  'PipelineDocument',
  '@patchbay/core#PipelineDocument',
  'A patchbay.pipeline/v1 document; its JSON Schema is packages/core/schema/pipeline.schema.json',
);

const isPipelineName = (value: string) => value.length <= MAX_PIPELINE_NAME_LENGTH && PIPELINE_NAME_PATTERN.test(value);
const PIPELINE_NAME_WORDS = `a pipeline name is a slug: a-z, 0-9 and - (at most ${MAX_PIPELINE_NAME_LENGTH} characters)`;

/**
 * A query's filter by pipeline name. Every run and eval is under a pipeline name, so a value none can be
 * (`Echo`, `a b`) is a 400 saying what one looks like rather than an empty list; `''` is no filter.
 */
export const pipelineFilter = () => z.string().refine((value) => value === '' || isPipelineName(value), PIPELINE_NAME_WORDS);

/** A query's pipeline name where one is required (no empty filter). */
export const pipelineQueryName = () => z.string().min(1).refine(isPipelineName, PIPELINE_NAME_WORDS);

export const PipelineNameSchema = z
  .string()
  .regex(PIPELINE_NAME_PATTERN, 'a pipeline name is a slug: [a-z0-9-]+')
  .max(MAX_PIPELINE_NAME_LENGTH)
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
    502: 'The model provider failed (its reason is the detail)',
    503: 'Busy or shutting down: try again later (see retry-after)',
  };
  for (const status of statuses) {
    out[status] = { description: descriptions[status] ?? 'Error', content: { 'application/problem+json': { schema: ProblemSchema } } };
  }
  return out;
}

export const jsonContent = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

/** A node type's config or a scorer type's params, described for forms. */
export const JsonSchemaSchema = packageType<JsonSchema>('JsonSchema', '@patchbay/core#JsonSchema', 'A JSON Schema (draft 2020-12), as zod writes it');

/**
 * A named schema or null. (`.nullable()` on a named schema makes the named schema itself
 * nullable for every route that uses it; a union keeps null where it is meant.)
 */
export const orNull = <S extends z.ZodType>(schema: S, description?: string) => {
  const union = z.union([schema, z.null()]);
  return description ? union.openapi({ description }) : union;
};

/** The same schema as DocumentSchema, for answers: what the store gives back is a parsed document. */
export const StoredDocumentSchema = DocumentSchema as unknown as z.ZodType<PipelineDocument>;
