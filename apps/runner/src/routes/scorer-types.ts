import { createRoute, z } from '@hono/zod-openapi';
import { z as zod } from 'zod';
import { scorerTypes, type ScorerDefinition } from '@patchbay/evals';
import { JsonSchemaSchema, jsonContent, problemResponses } from './common-schemas';
import type { RouteModule } from './route-module';

const ScorerTypeSchema = z
  .object({
    type: z.string(),
    description: z.string(),
    paramsSchema: JsonSchemaSchema,
    defaultThreshold: z.number().openapi({ description: 'Pass mark on the 0..1 score when the scorer sets no threshold' }),
    readsTarget: z.boolean().openapi({ description: 'False for budgets (latency, cost, tokens) that read the run, not an output' }),
    needsExpected: z.boolean().openapi({ description: "True when it compares with the case's expected value (or params.value)" }),
  })
  .openapi('ScorerType');

const list = createRoute({
  method: 'get',
  path: '/api/scorer-types',
  tags: ['evals'],
  summary: 'Every scorer type with its params as JSON Schema (for the editor\'s eval form)',
  responses: { 200: jsonContent(z.array(ScorerTypeSchema), 'Scorer types'), ...problemResponses(401) },
});

function describe(def: ScorerDefinition) {
  return {
    type: def.type,
    description: def.description,
    // What a person may write: params with defaults are optional.
    paramsSchema: zod.toJSONSchema(def.params, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
    defaultThreshold: def.defaultThreshold ?? 1,
    readsTarget: def.readsTarget !== false,
    // A function of the params: true when it can need one at all.
    needsExpected: def.needsExpected !== undefined && def.needsExpected !== false,
  };
}

export const scorerTypeRoutes: RouteModule = {
  name: 'scorer-types',
  register(app) {
    let catalogue: ReturnType<typeof describe>[] | undefined;
    app.openapi(list, (c) => {
      catalogue ??= Object.values(scorerTypes).map(describe);
      return c.json(catalogue, 200);
    });
  },
};
