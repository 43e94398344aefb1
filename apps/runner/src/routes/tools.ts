import { createRoute, z } from '@hono/zod-openapi';
import { JsonSchemaSchema, jsonContent, problemResponses } from './common-schemas';
import type { RouteModule } from './route-module';

const ToolSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    parameters: JsonSchemaSchema.openapi({ description: "JSON Schema of the arguments object (what a function-calling model sees)" }),
    mcp: z
      .object({ server: z.string(), tool: z.string() })
      .optional()
      .openapi({ description: "An MCP server's tool: the server (its `mcpServers` key) and the tool's name there, which `name` differs from when it clashed or is not a valid function name" }),
  })
  .openapi('Tool');

const ToolProblemSchema = z
  .object({
    servers: z.array(z.string()).openapi({ description: 'The MCP servers (`mcpServers` keys) it is about' }),
    name: z.string().optional().openapi({ description: 'The name the tools it is about are or would be listed by; none for a server that did not answer' }),
    message: z.string().openapi({ description: 'What and why, in one line: what an unknown-tool error quotes' }),
  })
  .openapi('ToolProblem');

const list = createRoute({
  method: 'get',
  path: '/api/tools',
  tags: ['tools'],
  summary: "The workspace's tools: built-in, SQL, custom and those of the MCP servers that answer",
  description: "What a `tool` node or an agent can call by name; the editor offers them in the tool picker. An MCP server's tool says which server has it, and its name there.",
  responses: { 200: jsonContent(z.array(ToolSchema), 'Tools'), ...problemResponses(401) },
});

const problems = createRoute({
  method: 'get',
  path: '/api/tools/problems',
  tags: ['tools'],
  summary: 'Why tools of the MCP servers are missing from GET /api/tools, or listed by another name than theirs',
  description:
    'A server that did not answer (it exited, it is no MCP server, a variable its config names is not set), tools left out because their names would coincide, a name a server lists twice. Empty when every server answered and every tool is listed.',
  responses: { 200: jsonContent(z.array(ToolProblemSchema), 'Problems'), ...problemResponses(401) },
});

export const toolRoutes: RouteModule = {
  name: 'tools',
  register(app, deps) {
    app.openapi(list, async (c) => {
      const tools = (await deps.services.tools?.list()) ?? [];
      // only these fields leave the server, whatever else a tool record holds
      return c.json(
        tools.map(({ name, description, parameters, mcp }) => ({ name, description, parameters, ...(mcp && { mcp: { server: mcp.server, tool: mcp.tool } }) })),
        200,
      );
    });
    app.openapi(problems, async (c) => {
      const found = (await deps.services.tools?.problems?.()) ?? [];
      return c.json(
        found.map(({ servers, name, message }) => ({ servers, ...(name !== undefined && { name }), message })),
        200,
      );
    });
  },
};
