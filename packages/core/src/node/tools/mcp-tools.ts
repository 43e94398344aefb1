import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerConfig } from '../config/workspace-config';
import { splitBaseURL } from '../providers/base-url';
import { boundedFetch } from './mcp-bounded-fetch';

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
  call(tool: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<unknown>;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 30_000;
/**
 * Tools one server may list. Function-calling APIs take far fewer (OpenAI: 128), and a server whose
 * cursor never ends (a bug, or a hostile server) was followed for ever, its list growing in the runner.
 */
const MAX_TOOLS = 1000;
const STDERR_TAIL = 2000;
/** The largest message read from a server over HTTP: the SDK's stdio buffer, so both transports bound alike. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * One MCP server from `mcpServers`: a stdio command (started as a child process,
 * working directory `cwd` or `baseDir`) or a streamable-HTTP URL. `${NAME}` in an
 * `env` value or a header is read from the environment, so the config file names
 * a secret without holding it.
 */
export function createMcpConnection(server: string, config: McpServerConfig, options: { env: NodeJS.ProcessEnv; baseDir: string }): McpConnection {
  let connecting: Promise<Live> | null = null;
  let stderrTail = '';
  /** The transport's last complaint (a line that is not JSON-RPC, output past the SDK's buffer): often why it closed. */
  let lastError = '';
  /** Why the server went wrong, as far as we can tell: the transport's last error (unless `said` has it) and the last line of its stderr. */
  const why = (said = '') => {
    const last = stderrTail.trim().split('\n').pop();
    const parts = [...(lastError && !said.includes(lastError) ? [lastError] : []), ...(last ? [`stderr: ${last}`] : [])];
    return parts.length ? ` (${parts.join('; ')})` : '';
  };

  function transport(client: Client): Transport {
    if ('url' in config) {
      // fetch refuses a URL with `user:password@`: they go as Basic auth, as a provider's base URL's do (a header the config sets wins).
      const { url, authorization } = splitBaseURL(config.url);
      const headers: Record<string, string> = Object.fromEntries(Object.entries(config.headers ?? {}).map(([k, v]) => [k, expandEnv(v, options.env)]));
      if (authorization && !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) headers.Authorization = authorization;
      // An answer past the bound ends the connection, as an overflowing stdio server's does: the call in flight fails with why.
      const fetch = boundedFetch(MAX_MESSAGE_BYTES, () => {
        lastError = `an answer over ${MAX_MESSAGE_BYTES} bytes`;
        void client.close();
      });
      return new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, fetch });
    }
    const env = { ...getDefaultEnvironment(), ...Object.fromEntries(Object.entries(config.env ?? {}).map(([k, v]) => [k, expandEnv(v, options.env)])) };
    const cwd = resolve(options.baseDir, config.cwd ?? '.');
    // spawn reports a missing cwd as the command missing ("spawn /usr/bin/node ENOENT"): say which.
    if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`its cwd ${cwd} is not a folder`);
    const stdio = new StdioClientTransport({ command: config.command, args: config.args ?? [], env, cwd, stderr: 'pipe' });
    // Keep the end of the server's stderr: it is usually why a server failed to start.
    stdio.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    return stdio;
  }

  async function connect(): Promise<Live> {
    const client = new Client({ name: 'patchbay', version: '0.1.0' });
    stderrTail = lastError = '';
    const live: Live = { client, tools: [], closed: false };
    client.onerror = (err) => (lastError = err.message);
    // A server that exits or is cut off stays closed: the next use starts it again instead of answering "Not connected".
    client.onclose = () => (live.closed = true);
    try {
      await client.connect(transport(client), { timeout: CONNECT_TIMEOUT_MS });
      const tools: McpToolInfo[] = [];
      let cursor: string | undefined;
      // One deadline for the whole list: a page each just inside its own timeout would hold the call for hours.
      const listUntil = Date.now() + CONNECT_TIMEOUT_MS;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: Math.max(1, listUntil - Date.now()) });
        if (tools.length + page.tools.length > MAX_TOOLS) throw new Error(`it lists more than ${MAX_TOOLS} tools`);
        for (const t of page.tools) {
          tools.push({ server, name: t.name, description: t.description ?? t.title ?? t.name, inputSchema: t.inputSchema as Record<string, unknown> });
        }
        cursor = page.nextCursor;
      } while (cursor);
      live.tools = tools;
      return live;
    } catch (err) {
      await client.close().catch(() => {});
      const message = reason(err as Error);
      throw new Error(`MCP server "${server}" is unavailable: ${message}${why(message)}`);
    }
  }

  async function ready(): Promise<Live> {
    const current = connecting;
    if (current) {
      const live = await current;
      if (!live.closed) return live;
      if (connecting === current) connecting = null;
    }
    connecting ??= connect().catch((err) => {
      connecting = null; // try again on the next use
      throw err;
    });
    return connecting;
  }

  return {
    server,
    async tools() {
      return (await ready()).tools;
    },
    async call(tool, args, signal) {
      const live = await ready();
      let result: Awaited<ReturnType<Client['callTool']>>;
      try {
        result = await live.client.callTool({ name: tool, arguments: args }, undefined, { signal });
      } catch (err) {
        if (live.closed && !signal?.aborted) throw new Error(`MCP server "${server}" stopped${why()}; it is started again on the next call`);
        throw err;
      }
      const content = (result.content ?? []) as Array<{ type: string; text?: string }>;
      const text = content.filter((c) => c.type === 'text').map((c) => c.text ?? '');
      if (result.isError) throw new Error(text.join('\n') || 'the MCP server reported an error');
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

interface Live {
  client: Client;
  tools: McpToolInfo[];
  /** The transport closed (the server exited, or its output broke the protocol). */
  closed: boolean;
}

function expandEnv(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`environment variable ${name} is not set`);
    return v;
  });
}

