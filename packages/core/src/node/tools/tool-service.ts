import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { ListedTool, Sandbox, ToolProblem, ToolService } from '../../engine/services';
import { linearAjvRegExp } from '../../nodes/linear-pattern';
import { maxOutputBytes, resolveConfigPath, type WorkspaceConfig } from '../config/workspace-config';
import { createCalculatorTool } from './calculator';
import { createCustomTool } from './custom-tools';
import { createHttpRequestTool } from './http-request';
import { nameMcpTools } from './mcp-tool-names';
import { createMcpConnection, type McpConnection } from './mcp-tools';
import { createSqlQueryByNameTool, createSqlQueryTool } from './sql-query';
import type { Tool } from './tool';

export interface CreateToolServiceOptions {
  config: WorkspaceConfig;
  sandbox: Sandbox;
  dataDir: string;
  /** Where `${NAME}` in MCP env values and headers, and in tools.http.headers, is read. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export type WorkspaceToolService = ToolService & { close(): Promise<void> };

interface Entry {
  tool: Tool;
  validate: ValidateFunction | null;
  /** An MCP server's tool: which server, and its name there. */
  mcp?: { server: string; tool: string };
}

/**
 * Every tool of a workspace behind one ToolService: `calculator` and
 * `http_request` always, a read-only SQL tool per `tools.sql` entry (and
 * `sql_query`, which takes the entry's name as `database`), the `tools.custom`
 * JavaScript tools, and each tool of each `mcpServers` entry (MCP
 * servers connect on first need; a tool whose name another tool already has, or
 * that is not a valid function name, is offered as `<server>__<tool>`: see
 * nameMcpTools). Arguments are checked against the tool's JSON Schema before the
 * call; every failure is one line naming the tool.
 */
export function createToolService(options: CreateToolServiceOptions): WorkspaceToolService {
  const { config, dataDir } = options;
  // A tool's schema (an MCP server's, a third party's) tests a model's arguments: its patterns in linear time.
  const ajv = new Ajv({ strict: false, allErrors: false, code: { regExp: linearAjvRegExp } });
  const calculator = createCalculatorTool();
  const sqlTools = (config.tools?.sql ?? []).map((t) =>
    createSqlQueryTool({ name: t.name, description: t.description, database: resolveConfigPath(config, dataDir, t.database), timeoutMs: t.timeoutMs, maxBytes: maxOutputBytes(config) }),
  );
  const local = new Map<string, Entry>();
  const add = (tool: Tool, where: string) => {
    if (local.has(tool.spec.name)) throw new Error(`${where}: the tool name "${tool.spec.name}" is already taken`);
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(withoutDialect(tool.spec.parameters));
    } catch (err) {
      throw new Error(`${where}.parameters: not a valid JSON Schema: ${(err as Error).message}`);
    }
    local.set(tool.spec.name, { tool, validate });
  };
  add(calculator, 'calculator');
  add(createHttpRequestTool({ ...config.tools?.http, env: options.env ?? process.env }), 'http_request');
  sqlTools.forEach((t, i) => add(t, `tools.sql.${i}`));
  (config.tools?.custom ?? []).forEach((c, i) => add(createCustomTool(c, options.sandbox), `tools.custom.${i}`));
  // `sql_query {database, sql}` reaches every configured file, unless a tool of that name is configured.
  if (sqlTools.length > 0 && !local.has('sql_query')) add(createSqlQueryByNameTool(sqlTools), 'sql_query');

  const baseDir = config.configPath ? resolveConfigPath(config, dataDir, '.') : dataDir;
  const connections: McpConnection[] = Object.entries(config.mcpServers ?? {}).map(([name, server]) =>
    createMcpConnection(name, server, { env: options.env ?? process.env, baseDir }),
  );

  const mcpValidators = new WeakMap<object, ValidateFunction | null>();
  function mcpValidator(schema: Record<string, unknown>): ValidateFunction | null {
    if (!mcpValidators.has(schema)) {
      let validate: ValidateFunction | null = null;
      try {
        validate = ajv.compile(withoutDialect(schema));
      } catch {
        // A schema this validator cannot compile: the server still validates its own arguments.
      }
      mcpValidators.set(schema, validate);
    }
    return mcpValidators.get(schema)!;
  }

  /** Local tools plus the tools of every MCP server that answers; the reasons of those that do not. */
  async function catalogue(needMcp: boolean): Promise<{ entries: Map<string, Entry>; unavailable: ToolProblem[] }> {
    const entries = new Map(local);
    if (!needMcp || connections.length === 0) return { entries, unavailable: [] };
    const settled = await Promise.allSettled(connections.map((c) => c.tools()));
    const unavailable = settled.flatMap((s, i): ToolProblem[] => (s.status === 'rejected' ? [{ servers: [connections[i].server], message: (s.reason as Error).message }] : []));
    const mcpTools = settled.flatMap((s, i) => (s.status === 'fulfilled' ? s.value.map((t) => ({ ...t, connection: connections[i] })) : []));
    unavailable.push(...settled.flatMap((s, i) => (s.status === 'fulfilled' ? connections[i].refused() : [])));
    const { named, problems } = nameMcpTools(mcpTools, (name) => local.has(name));
    for (const { listed: name, tool: t } of named) {
      entries.set(name, {
        validate: mcpValidator(t.inputSchema),
        mcp: { server: t.server, tool: t.name },
        tool: {
          spec: { name, description: t.description, parameters: t.inputSchema },
          call: (args, { signal, deadline }) => t.connection.call(t.name, args, signal, deadline),
        },
      });
    }
    unavailable.push(...problems);
    return { entries, unavailable };
  }

  async function find(name: string): Promise<Entry> {
    const hit = local.get(name);
    if (hit) return hit;
    const { entries, unavailable } = await catalogue(true);
    const entry = entries.get(name);
    if (entry) return entry;
    const note = unavailable.length ? ` (${unavailable.map((p) => p.message).join('; ')})` : '';
    throw new Error(`unknown tool "${name}"; tools: ${[...entries.keys()].join(', ')}${note}`);
  }

  return {
    async list(): Promise<ListedTool[]> {
      return [...(await catalogue(true)).entries.values()].map((e) => (e.mcp ? { ...e.tool.spec, mcp: e.mcp } : e.tool.spec));
    },
    async problems() {
      return (await catalogue(true)).unavailable;
    },
    async describe(name) {
      return local.get(name)?.tool.spec ?? (await catalogue(true)).entries.get(name)?.tool.spec;
    },
    async call(name, rawArgs, callOptions = {}) {
      const { signal } = callOptions;
      const entry = await find(name);
      const args = toArgs(name, rawArgs);
      if (entry.validate && !entry.validate(args)) {
        throw new Error(`tool "${name}": invalid arguments: ${describeErrors(entry.validate.errors ?? [])}`);
      }
      try {
        // A signal of its own per call: the tools listen for abort on it, and an agent's dozen parallel calls
        // on the node's one signal passed Node's 10 listeners ("MaxListenersExceededWarning: possible memory leak").
        // AbortSignal.any follows its parent without adding a listener to it.
        return await entry.tool.call(args, signal ? { ...callOptions, signal: AbortSignal.any([signal]) } : callOptions);
      } catch (err) {
        if (signal?.aborted) throw err;
        throw new Error(`tool "${name}": ${(err as Error).message}`);
      }
    },
    async close() {
      await Promise.all([calculator.close(), ...connections.map((c) => c.close())]);
      for (const t of sqlTools) t.close();
    },
  };
}

/** Arguments arrive as an object, or as the JSON text a model sent. */
function toArgs(name: string, raw: unknown): Record<string, unknown> {
  let value = raw ?? {};
  if (typeof value === 'string') {
    try {
      value = value.trim() ? JSON.parse(value) : {};
    } catch {
      throw new Error(`tool "${name}": arguments are not valid JSON`);
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`tool "${name}": arguments must be a JSON object`);
  return value as Record<string, unknown>;
}

/** Ajv's default dialect is draft-07; MCP servers often declare 2020-12, which reads the same for argument objects. */
function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema ?? {};
  return rest;
}

function describeErrors(errors: ErrorObject[]): string {
  const e = errors[0];
  if (!e) return 'rejected by the schema';
  const where = e.instancePath || '(arguments)';
  const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : '';
  const allowed = e.keyword === 'enum' ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` : '';
  return `${where} ${e.message}${extra}${allowed}`;
}
