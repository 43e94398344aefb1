import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 for tests and benches.
 *
 *   const stub = await startOpenAIStub();              // echoes the last user message
 *   const provider = createOpenAICompatibleProvider({ name: 'stub', baseURL: stub.url });
 *   ...
 *   await stub.close();
 *
 * Speaks `POST /v1/chat/completions` (JSON, or SSE when `stream: true`, with
 * tool calls and usage), `POST /v1/embeddings` (floats; base64 only when asked)
 * and `GET /v1/models`. A `handler` scripts each reply, including faults:
 *
 *   { text: 'hi' }                                  a text reply (streamed word by word when asked)
 *   { toolCalls: [{ name: 'add', arguments: { a: 1 } }] }
 *   { status: 429, headers: { 'retry-after': '1' } } an error status (body is an OpenAI error object)
 *   { hang: 'before-response' }                      never answer until the client gives up
 *   { hang: 'mid-stream', text: 'a b c d' }          stream half the reply, then stall
 *   { embeddings: [[0.1, 0.2]] }                     explicit vectors for /v1/embeddings
 *
 * `requests` records every request (path, parsed body, headers) in arrival order;
 * `served` counts them by path (all a benchmark needs: `keepRequests: false`
 * keeps a long run's stub from growing, and its GC from slowing, with every request).
 */

export interface StubRequest {
  path: string;
  method: string;
  body: any;
  headers: http.IncomingHttpHeaders;
  /** 1-based arrival number across all requests to this stub. */
  count: number;
}

export interface StubToolCall {
  id?: string;
  name: string;
  /** An object (sent JSON-encoded) or a raw string, e.g. to send malformed JSON. */
  arguments: unknown;
}

export interface StubReply {
  /** Error status (>= 400) sent with `headers` and `body` (default: an OpenAI error object). */
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  text?: string;
  /** Streamed as exactly these pieces (the reply's text is their join); default: word by word. */
  pieces?: string[];
  toolCalls?: StubToolCall[];
  /** Default: words in the prompt / pieces of the reply. */
  usage?: { prompt_tokens: number; completion_tokens: number };
  finishReason?: string;
  embeddings?: number[][];
  hang?: 'before-response' | 'mid-stream';
}

export interface OpenAIStub {
  /** Base URL ending in `/v1`, as the openai SDK's `baseURL` wants it. */
  url: string;
  requests: StubRequest[];
  /** Requests answered so far, by path (`/v1/chat/completions`…), whether or not they are kept. */
  served: Map<string, number>;
  close(): Promise<void>;
}

export interface OpenAIStubOptions {
  /** Delay before each response starts, to simulate a model's latency. */
  latencyMs?: number;
  handler?: (req: StubRequest) => StubReply | Promise<StubReply>;
  /** Keep every request in `requests` (default true). */
  keepRequests?: boolean;
}

/**
 * Holds model calls until the test lets them answer, so that a run, an eval or a promotion is in flight for as
 * long as the test needs. A handler awaits `opened()` for the calls it holds:
 *
 *   const gate = new StubGate();                     // closed
 *   const stub = await startOpenAIStub({
 *     handler: async () => {
 *       await gate.opened();
 *       return { text: 'hi' };
 *     },
 *   });
 *   ...
 *   gate.open();                                     // every held call answers, and later ones at once
 *   gate.close();                                    // the calls after this are held again
 */
export class StubGate {
  private gate: Promise<void> = Promise.resolve();
  private release: () => void = () => {};
  private closed = false;

  constructor(state: 'closed' | 'open' = 'closed') {
    if (state === 'closed') this.close();
  }

  /** Resolves once the gate is open. */
  opened(): Promise<void> {
    return this.gate;
  }

  open(): void {
    this.closed = false;
    this.release();
  }

  /** Holds the calls that come next; closed already, the calls it holds stay held until `open()`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
}

export async function startOpenAIStub(options: OpenAIStubOptions = {}): Promise<OpenAIStub> {
  const requests: StubRequest[] = [];
  const served = new Map<string, number>();
  let count = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: any = undefined;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const path = (req.url ?? '/').split('?')[0];
      const request: StubRequest = { path, method: req.method ?? 'GET', body, headers: req.headers, count: ++count };
      if (options.keepRequests !== false) requests.push(request);
      served.set(path, (served.get(path) ?? 0) + 1);
      respond(request, res, options).catch((err) => {
        if (!res.headersSent) sendJson(res, 500, { error: { message: String(err?.message ?? err) } });
        else res.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function respond(request: StubRequest, res: http.ServerResponse, options: OpenAIStubOptions): Promise<void> {
  if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
  if (request.method === 'GET' && request.path === '/v1/models') {
    return sendJson(res, 200, { object: 'list', data: [{ id: 'stub-model', object: 'model', owned_by: 'stub' }] });
  }
  const known = request.path === '/v1/chat/completions' || request.path === '/v1/embeddings';
  if (!known) return sendJson(res, 404, { error: { message: `no route ${request.path}`, type: 'not_found' } });

  const reply = (await options.handler?.(request)) ?? {};
  if (reply.hang === 'before-response') return; // the socket stays open until the client aborts
  if (reply.status && reply.status >= 400) {
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify(reply.body ?? { error: { message: `stub error ${reply.status}`, type: 'stub_error', code: reply.status } }));
    return;
  }
  if (request.path === '/v1/embeddings') return sendEmbeddings(request, reply, res);
  return sendChat(request, reply, res);
}

function sendEmbeddings(request: StubRequest, reply: StubReply, res: http.ServerResponse): void {
  const inputs: string[] = Array.isArray(request.body?.input) ? request.body.input : [request.body?.input ?? ''];
  const vectors = reply.embeddings ?? inputs.map(hashEmbedding);
  const base64 = request.body?.encoding_format === 'base64';
  sendJson(res, 200, {
    object: 'list',
    model: request.body?.model,
    data: vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v,
    })),
    usage: { prompt_tokens: inputs.join(' ').split(/\s+/).filter(Boolean).length, total_tokens: 0 },
  });
}

function sendChat(request: StubRequest, reply: StubReply, res: http.ServerResponse): void {
  const body = request.body ?? {};
  const text = reply.pieces?.join('') ?? reply.text ?? (reply.toolCalls ? '' : lastUserText(body.messages));
  const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_${request.count}_${i}`,
    name: c.name,
    arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}),
  }));
  const pieces = reply.pieces ?? text.split(/(?<=\s)/).filter(Boolean);
  const promptTokens = JSON.stringify(body.messages ?? []).split(/\s+/).length;
  const usage = reply.usage ?? { prompt_tokens: promptTokens, completion_tokens: Math.max(pieces.length, toolCalls.length) };
  const usageFull = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  const finish = reply.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop');
  const base = { id: `chatcmpl-${request.count}`, created: Math.floor(Date.now() / 1000), model: body.model ?? 'stub-model' };

  if (!body.stream) {
    return sendJson(res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          finish_reason: finish,
          message: {
            role: 'assistant',
            content: toolCalls.length && !text ? null : text,
            ...(toolCalls.length
              ? { tool_calls: toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) }
              : {}),
          },
        },
      ],
      usage: usageFull,
    });
  }

  const events: unknown[] = [];
  const chunk = (delta: unknown, finishReason: string | null = null) => ({
    ...base,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  events.push(chunk({ role: 'assistant', content: '' }));
  for (const piece of pieces) events.push(chunk({ content: piece }));
  toolCalls.forEach((c, index) => {
    // Like real servers: id and name first, then the arguments in fragments.
    events.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
    const half = Math.ceil(c.arguments.length / 2);
    for (const part of [c.arguments.slice(0, half), c.arguments.slice(half)]) {
      if (part) events.push(chunk({ tool_calls: [{ index, function: { arguments: part } }] }));
    }
  });
  events.push(chunk({}, finish));
  if (body.stream_options?.include_usage) events.push({ ...base, object: 'chat.completion.chunk', choices: [], usage: usageFull });

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const upTo = reply.hang === 'mid-stream' ? Math.max(1, Math.floor(events.length / 2)) : events.length;
  for (const event of events.slice(0, upTo)) res.write(`data: ${JSON.stringify(event)}\n\n`);
  if (reply.hang === 'mid-stream') return; // stall with the stream open
  res.end('data: [DONE]\n\n');
}

function lastUserText(messages: any): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) return m.content.map((p: any) => p?.text ?? '').join('');
  }
  return '';
}

/** Deterministic 8-dimensional vector so identical texts embed identically. */
function hashEmbedding(text: string): number[] {
  const v = new Array(8).fill(0);
  for (const word of text.toLowerCase().split(/\W+/).filter(Boolean)) {
    let h = 2166136261;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
    v[(h >>> 0) % 8] += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}
