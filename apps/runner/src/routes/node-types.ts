import { createRoute, z } from '@hono/zod-openapi';
import { configProblems, describeNodeType, getNodeType, nodeTypes, portsOf, type NodeTypeInfo } from '@patchbay/core';
import { HttpProblem } from '../http/problem';
import { JsonSchemaSchema, jsonContent, problemResponses } from './common-schemas';
import type { RouteModule } from './route-module';

const PortSchema = z
  .object({ name: z.string(), type: z.string(), required: z.boolean().optional(), description: z.string().optional() })
  .openapi('Port');

const NodeTypeSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    description: z.string(),
    category: z.string(),
    configSchema: JsonSchemaSchema,
    defaultConfig: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'The config an empty one parses to; null when the type has required fields' }),
    inputs: z.array(PortSchema).openapi({ description: 'Ports for the default config; they follow the config (template variables become inputs)' }),
    outputs: z.array(PortSchema),
    templateFields: z.array(z.string()),
    codeFields: z.array(z.string()),
    indexFields: z.array(z.string()).openapi({ description: 'Config fields that name a retrieval index (GET /api/indexes lists them)' }),
    toolFields: z.array(z.string()).openapi({ description: 'Config fields that name tools: one (a string) or a list (an array of strings); GET /api/tools lists them' }),
    modelFields: z
      .array(z.object({ field: z.string(), kind: z.enum(['chat', 'embedding', 'tool-calling']) }))
      .openapi({ description: 'Config fields that name a model ("<provider>:<model>"), and what it is called for' }),
    streamedOutput: z.string().nullable().openapi({ description: 'The output port whose text streams as node.token events; null when none does' }),
  })
  .openapi('NodeType');

const list = createRoute({
  method: 'get',
  path: '/api/node-types',
  tags: ['node types'],
  summary: 'Every node type: ports, config JSON Schema, template and code fields',
  responses: { 200: jsonContent(z.array(NodeTypeSchema), 'The node catalogue'), ...problemResponses(401) },
});

const ports = createRoute({
  method: 'post',
  path: '/api/node-types/{type}/ports',
  tags: ['node types'],
  summary: 'The ports a node of this type has with a given config',
  description: 'Ports are a function of the config (e.g. the variables of a prompt template); clients that cannot run the catalogue ask here.',
  request: {
    params: z.object({ type: z.string().openapi({ param: { name: 'type', in: 'path' }, example: 'template' }) }),
    body: { required: true, content: { 'application/json': { schema: z.object({ config: z.record(z.string(), z.unknown()) }).openapi('PortsRequest') } } },
  },
  responses: {
    200: jsonContent(
      z.object({ inputs: z.array(PortSchema), outputs: z.array(PortSchema), errors: z.array(z.object({ path: z.string(), message: z.string() })) }).openapi('Ports'),
      'Ports, and what is wrong with the config',
    ),
    ...problemResponses(400, 401, 404, 415),
  },
});

export const nodeTypeRoutes: RouteModule = {
  name: 'node-types',
  register(app) {
    let catalogue: NodeTypeInfo[] | undefined;
    app.openapi(list, (c) => {
      // The catalogue is fixed for the life of the process: describe it once.
      catalogue ??= Object.values(nodeTypes).map(describeNodeType);
      return c.json(catalogue, 200);
    });

    app.openapi(ports, (c) => {
      const { type } = c.req.valid('param');
      const def = getNodeType(type);
      if (!def) throw new HttpProblem(404, `there is no node type "${type}"; types: ${Object.keys(nodeTypes).join(', ')}`, { type: 'node-type-not-found' });
      const { config } = c.req.valid('json');
      const parsed = def.configSchema.safeParse(config);
      // In validation's words, as POST /api/pipelines says them of a node with this config.
      const errors = configProblems(def, config).map(({ path, message }) => ({ path, message }));
      return c.json({ ...(portsOf(def, parsed.success ? parsed.data : config) ?? { inputs: [], outputs: [] }), errors }, 200);
    });
  },
};
