import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, ResultSchema, ToolSchema, type ListToolsResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolProblem } from '../../engine/services';
import type { McpServerConfig } from '../config/workspace-config';
import { splitBaseURL } from '../providers/base-url';
import { boundedFetch } from './mcp-bounded-fetch';
import { mcpErrorText, quoted, reasonLine } from './mcp-error-text';
import { McpStdioTransport } from './mcp-stdio-transport';
import { expandEnv } from '../config/env-references';

export interface McpToolInfo {
  server: string;
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface McpConnection {
  readonly server: string;
  /** Connects on first use; the list is kept for the life of the connection. */
  tools(): Promise<McpToolInfo[]>;
  /** Tools the server listed that do not fit the MCP schema, left out (known once tools() has answered). */
  refused(): ToolProblem[];
  /** Waits CALL_TIMEOUT_MS for the answer, or until `deadline` (epoch ms: the node's timeoutMs) when that is later. */
  call(tool: string, args: Record<string, unknown>, signal?: AbortSignal, deadline?: number): Promise<unknown>;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 30_000;
/** The SDK's default, said here so the error can name it; a node whose timeoutMs is longer waits that long instead. */
const CALL_TIMEOUT_MS = 60_000;
/**
 * How long a server that failed to connect is taken as unavailable before it is tried again. Every call of
 * any MCP tool waits for every server's list (a tool's name depends on all of them), so trying a broken
 * server on each call made every call wait for it to fail again (5 s for one that is no MCP server, 30 s
 * for one that never answers).
 */
const RETRY_AFTER_MS = 30_000;
/** How long a stdio server that has written only lines that are not JSON-RPC gets to say one that is. */
const NOT_MCP_AFTER_MS = 5_000;
/**
 * Tools one server may list. Function-calling APIs take far fewer (OpenAI: 128), and a server whose
 * cursor never ends (a bug, or a hostile server) was followed for ever, its list growing in the runner.
 */
const MAX_TOOLS = 1000;
/** The largest message read from a server, over stdio (a line) or HTTP (an answer): the SDK's stdio buffer. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * One MCP server from `mcpServers`: a stdio command (started as a child process,
 * working directory `cwd` or `baseDir`) or a streamable-HTTP URL. `${NAME}` in an
 * `env` value or a header is read from the environment, so the config file names
 * a secret without holding it.
 */
export function createMcpConnection(server: string, config: McpServerConfig, options: { env: NodeJS.ProcessEnv; baseDir: string }): McpConnection {
  let connecting: Promise<Live> | null = null;
  /** The last connection that listed its tools. */
  let listed: Live | null = null;
  /** The last failed connect, kept RETRY_AFTER_MS: uses till then fail with its error at once. */
  let failed: { error: Error; at: number } | null = null;
  /** The stdio transport of the current connection: it knows how the process ended and what it wrote. */
  let stdio: McpStdioTransport | null = null;
  /** Over HTTP, why we cut the connection (an answer past the bound). */
  let cutOff = '';
  /** The client's last error over HTTP (a stream that broke): often why it closed. */
  let lastError = '';
  /** The start of the last answer over HTTP that was not a stream: quoted when it is not JSON-RPC. */
  let lastAnswer = '';
  /**
   * Why the server went wrong, in one line: what the stdio transport saw (it exited with code 3, it is no MCP
   * server), or what the connection was cut for, else `said` (the SDK's error); then the line it wrote that was
   * not JSON-RPC and the end of its stderr.
   */
  const account = (said: string) => {
    const head = stdio?.account() ?? (cutOff || said);
    return head + details(head);
  };
  const details = (head = '') => {
    const parts = [stdio?.strayDetail(), stdio?.stderrDetail(), !stdio && !cutOff && lastError && !head.includes(lastError) ? lastError : null].filter(Boolean);
    return parts.length ? ` (${parts.join('; ')})` : '';
  };

  function transport(client: Client): Transport {
    if ('url' in config) {
      // fetch refuses a URL with `user:password@`: they go as Basic auth, as a provider's base URL's do (a header the config sets wins).
      const { url, authorization } = splitBaseURL(config.url);
      const headers: Record<string, string> = Object.fromEntries(Object.entries(config.headers ?? {}).map(([k, v]) => [k, expandEnv(v, options.env)]));
      if (authorization && !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) headers.Authorization = authorization;
      // An answer past the bound ends the connection, as an overflowing stdio server's does: the call in flight fails with why.
      const fetch = boundedFetch(
        MAX_MESSAGE_BYTES,
        () => {
          cutOff = `it sent an answer over ${MAX_MESSAGE_BYTES} bytes`;
          void client.close();
        },
        (start) => (lastAnswer = start),
      );
      return new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, fetch });
    }
    const env = { ...getDefaultEnvironment(), ...Object.fromEntries(Object.entries(config.env ?? {}).map(([k, v]) => [k, expandEnv(v, options.env)])) };
    const cwd = resolve(options.baseDir, config.cwd ?? '.');
    // spawn reports a missing cwd as the command missing ("spawn /usr/bin/node ENOENT"): say which.
    if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`its cwd ${cwd} is not a folder`);
    stdio = new McpStdioTransport({ command: config.command, args: config.args ?? [], env, cwd, maxLineBytes: MAX_MESSAGE_BYTES, notMcpAfterMs: NOT_MCP_AFTER_MS });
    return stdio;
  }

  async function connect(): Promise<Live> {
    const client = new Client({ name: 'patchbay', version: '0.1.0' });
    stdio = null;
    cutOff = lastError = lastAnswer = '';
    const live: Live = { client, tools: [], refused: [], closed: false };
    // A schema error (an answer that is not JSON-RPC) is said from the answer itself; see below.
    client.onerror = (err) => (lastError = schemaIssue(err) ? '' : reasonLine(err.message));
    // A server that exits or is cut off stays closed: the next use starts it again instead of answering "Not connected".
    client.onclose = () => (live.closed = true);
    try {
      await client.connect(transport(client), { timeout: CONNECT_TIMEOUT_MS });
      const tools: McpToolInfo[] = [];
      let cursor: string | undefined;
      // One deadline for the whole list: a page each just inside its own timeout would hold the call for hours.
      const listUntil = Date.now() + CONNECT_TIMEOUT_MS;
      do {
        const page = await listPage(client, cursor, Math.max(1, listUntil - Date.now()), (name, issue) =>
          live.refused.push({ servers: [server], ...(name && { name }), message: `tool "${name ?? '?'}" of MCP server "${server}" left out: it does not fit the MCP schema (${issue})` }),
        );
        if (tools.length + page.tools.length > MAX_TOOLS) throw new Error(`it lists more than ${MAX_TOOLS} tools`);
        for (const t of page.tools) {
          tools.push({ server, name: t.name, description: t.description ?? t.title ?? t.name, inputSchema: t.inputSchema as Record<string, unknown> });
        }
        cursor = page.nextCursor;
      } while (cursor);
      live.tools = tools;
      listed = live;
      return live;
    } catch (err) {
      await client.close().catch(() => {});
      // The SDK's message for an answer that does not fit the MCP schema is zod's issue list: several KB over many lines.
      const issue = schemaIssue(err);
      const said = timedOut(err)
        ? `it did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`
        : issue?.whole && lastAnswer
          ? `it answered ${quoted(lastAnswer)}, which is not JSON-RPC (is the url its MCP endpoint?)`
          : issue
            ? `its answer does not fit the MCP schema (${issue.text})`
            : reasonLine(reason(err as Error));
      throw new Error(`MCP server "${server}" is unavailable: ${account(said)}`);
    }
  }

  async function ready(): Promise<Live> {
    const current = connecting;
    if (current) {
      const live = await current;
      if (!live.closed) return live;
      if (connecting === current) connecting = null;
    }
    if (!connecting && failed && Date.now() - failed.at < RETRY_AFTER_MS) throw failed.error;
    connecting ??= connect().then(
      (live) => ((failed = null), live),
      (err: Error) => {
        connecting = null; // try again on a use after RETRY_AFTER_MS
        failed = { error: err, at: Date.now() };
        throw err;
      },
    );
    return connecting;
  }

  return {
    server,
    async tools() {
      return (await ready()).tools;
    },
    refused() {
      return listed?.refused ?? [];
    },
    async call(tool, args, signal, deadline) {
      const live = await ready();
      // Past the deadline the node's own timer has ended the call (a second more lets it speak first).
      const timeout = Math.max(CALL_TIMEOUT_MS, deadline ? deadline - Date.now() + 1000 : 0);
      let result: Awaited<ReturnType<Client['callTool']>>;
      try {
        result = await live.client.callTool({ name: tool, arguments: args }, undefined, { signal, timeout });
      } catch (err) {
        if (signal?.aborted) throw err;
        if (live.closed) throw new Error(`MCP server "${server}" stopped: ${account((err as Error).message)}; it is started again on the next call`);
        if (timedOut(err)) throw new Error(`MCP server "${server}" did not answer within ${Math.round(timeout / 1000)} s${details()}`);
        throw err;
      }
      const content = (result.content ?? []) as Array<{ type: string; text?: string }>;
      const text = content.filter((c) => c.type === 'text').map((c) => c.text ?? '');
      if (result.isError) throw new Error(mcpErrorText(text) || 'the MCP server reported an error');
      if (result.structuredContent !== undefined) return result.structuredContent;
      return text.length === content.length ? text.join('\n') : content;
    },
    async close() {
      const pending = connecting;
      connecting = null;
      if (pending) await pending.then(({ client }) => client.close()).catch(() => {});
    },
  };
}

/** The error's message, with its cause when it says no more than "fetch failed" (ECONNREFUSED, ENOTFOUND, bad port). */
function reason(err: Error): string {
  const cause = err.cause as NodeJS.ErrnoException | undefined;
  const detail = cause?.code ?? cause?.message;
  return detail && !err.message.includes(detail) ? `${err.message} (${detail})` : err.message;
}

/** A schema error's first issue, one line (`tools.3.inputSchema.type: …`); `whole` when it is about the whole message. */
function schemaIssue(err: unknown): { text: string; whole: boolean } | null {
  const issues = (err as { issues?: Array<{ path?: PropertyKey[]; message?: string }> } | null)?.issues;
  if (!Array.isArray(issues) || !issues.length) return null;
  const path = (issues[0].path ?? []).map(String).join('.');
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return { text: reasonLine(`${path ? `${path}: ` : ''}${issues[0].message ?? 'invalid'}${more}`), whole: !path };
}

function timedOut(err: unknown): boolean {
  return err instanceof McpError && err.code === ErrorCode.RequestTimeout;
}

/**
 * One page of the server's tool list. The SDK refuses a whole page for one tool that does not fit the MCP
 * schema (an inputSchema without `"type": "object"`, which real servers send), and the server with it; then
 * the page is read again loosely and only that tool is left out, told to `refuse`. (Those tools' output
 * schemas are then not checked by the SDK: it learns them from listTools only.)
 */
async function listPage(client: Client, cursor: string | undefined, timeout: number, refuse: (name: string | undefined, issue: string) => void): Promise<ListToolsResult> {
  const params = cursor ? { cursor } : undefined;
  try {
    return await client.listTools(params, { timeout });
  } catch (err) {
    if (!schemaIssue(err)) throw err;
    const page = await client.request({ method: 'tools/list', params }, ResultSchema, { timeout });
    const tools = (Array.isArray(page.tools) ? page.tools : []).flatMap((raw: unknown) => {
      const tool = ToolSchema.safeParse(raw);
      if (tool.success) return [tool.data];
      const name = (raw as { name?: unknown } | null)?.name;
      refuse(typeof name === 'string' ? name : undefined, schemaIssue(tool.error)?.text ?? 'invalid');
      return [];
    });
    return { tools, nextCursor: typeof page.nextCursor === 'string' ? page.nextCursor : undefined };
  }
}

interface Live {
  client: Client;
  tools: McpToolInfo[];
  /** Listed tools left out for not fitting the MCP schema. */
  refused: ToolProblem[];
  /** The transport closed (the server exited, or its output broke the protocol). */
  closed: boolean;
}
