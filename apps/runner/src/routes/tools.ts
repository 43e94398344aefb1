import { createRoute, z } from '@hono/zod-openapi';
import { JsonSchemaSchema, jsonContent, problemResponses } from './common-schemas';
import type { RouteModule } from './route-module';

const ToolSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    parameters: JsonSchemaSchema.openapi({ description: "JSON Schema of the arguments object (what a function-calling model sees)" }),
  })
  .openapi('Tool');

const list = createRoute({
  method: 'get',
  path: '/api/tools',
  tags: ['tools'],
  summary: "The workspace's tools: built-in, SQL, custom and those of the MCP servers that answer",
  description: 'What a `tool` node or an agent can call by name; the editor offers them in the tool picker.',
  responses: { 200: jsonContent(z.array(ToolSchema), 'Tools'), ...problemResponses(401) },
});

export const toolRoutes: RouteModule = {
  name: 'tools',
  register(app, deps) {
    app.openapi(list, async (c) => {
      const tools = (await deps.services.tools?.list()) ?? [];
      // only these fields leave the server, whatever else a tool record holds
      return c.json(
        tools.map(({ name, description, parameters }) => ({ name, description, parameters })),
        200,
      );
    });
  },
};
