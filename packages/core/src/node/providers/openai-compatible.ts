import OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { ChatMessage, ChatRequest, ChatResult, ToolCall, Usage } from '../../engine/services';
import { costOf, type Price } from './prices';
import type { Provider } from './provider';
import { ProviderError, describeProviderError } from './provider-error';
import { hasRetryAfter, retryAfterMs } from './retry-after';
import { checkEmbeddings } from './embedding-check';
import { fetch as undiciFetch, Response as UndiciResponse } from 'undici';
import { limitEventSize } from './sse-event-limit';
import { splitBaseURL } from './base-url';
import { createDispatcher, MAX_REPLY_BYTES } from './http-dispatcher';
import { isStrictJsonSchema } from './strict-json-schema';
import { withCallSignal } from './call-signal';

export interface OpenAICompatibleOptions {
  /** The provider's name, the part before `:` in a model name; used in messages and results. */
  name: string;
  baseURL: string;
  apiKey?: string;
  /** Per attempt: until the response starts, and then the longest silence inside a stream. Default 120 s. */
  timeoutMs?: number;
  /** Retries on 408/409/429/5xx and connection errors, honouring retry-after. Default 2. */
  maxRetries?: number;
  /** USD per 1M tokens, keyed by bare model id. */
  prices?: Record<string, Price>;
  /** Price of models missing from `prices` (local servers: 0). Default: unknown. */
  defaultPrice?: Price;
  /** OpenAI's newer models refuse `max_tokens`; most other servers know only it. Default `max_tokens`. */
  maxTokensParam?: 'max_tokens' | 'max_completion_tokens';
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The most of one reply read before the call fails. Default MAX_REPLY_BYTES (128 MB). */
  maxReplyBytes?: number;
}


const PLATFORM_HEADERS = ['X-Stainless-Lang', 'X-Stainless-Package-Version', 'X-Stainless-OS', 'X-Stainless-Arch', 'X-Stainless-Runtime', 'X-Stainless-Runtime-Version'];

/** A server asking to wait longer than this is reported, not waited for. */
const MAX_RETRY_AFTER_SECONDS = 60;
/** Many servers cap the inputs per embeddings request; send batches of this size. */
const EMBED_BATCH = 128;

export function createOpenAICompatibleProvider(options: OpenAICompatibleOptions): Provider {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxRetries = options.maxRetries ?? 2;
  const maxReplyBytes = options.maxReplyBytes ?? MAX_REPLY_BYTES;
  // `user:password@` in the base URL becomes basic auth (fetch refuses such URLs) and stays out of messages.
  const { url: baseURL, authorization } = splitBaseURL(options.baseURL);
  // Every credential/header the SDK would read from OPENAI_* variables is pinned here,
  // so an OpenAI key is never sent to another provider's server.
  const client = new OpenAI({
    baseURL,
    apiKey: options.apiKey || 'unused',
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    timeout: timeoutMs,
    maxRetries,
    logLevel: 'off',
    // The SDK's platform telemetry (OS, CPU, Node version) is nobody's business at a third-party server.
    // Basic auth from the URL takes the place of the bearer key (the SDK lets default headers win).
    defaultHeaders: { ...Object.fromEntries(PLATFORM_HEADERS.map((name) => [name, null])), ...(authorization ? { Authorization: authorization } : {}) },
    // undici's fetch with its own keep-alive pool (and proxy from the environment), streams and whole replies alike.
    fetch: capRetryAfter(limitEventSize(undiciFetch as unknown as typeof fetch, options.name, baseURL)),
    fetchOptions: { dispatcher: createDispatcher(options.env, maxReplyBytes) },
  });
  const fail = (err: unknown, signal?: AbortSignal): never => {
    if (signal?.aborted) throw signal.reason ?? err;
    throw describeProviderError(err, { provider: options.name, baseURL, apiKey: options.apiKey, timeoutMs, maxReplyBytes });
  };
  const priceOf = (model: string) => options.prices?.[model] ?? options.defaultPrice;
  const result = (model: string, text: string, toolCalls: ToolCall[], usage: Usage | null, finishReason: string | null | undefined): ChatResult => ({
    text,
    toolCalls,
    usage,
    costUsd: costOf(usage, priceOf(model)),
    model: `${options.name}:${model}`,
    // as the server said it: `length` tells a caller the reply was cut off by its token limit
    ...(finishReason ? { finishReason } : {}),
  });

  return {
    async chat(model, request, chatOptions = {}) {
      const { signal, onToken } = chatOptions;
      const params = toParams(model, request, options.maxTokensParam ?? 'max_tokens');
      try {
        if (!onToken) {
          const completion = await withCallSignal(signal, (callSignal) => client.chat.completions.create({ ...params, stream: false }, { signal: callSignal }));
          const message = completion.choices[0]?.message;
          const toolCalls = (message?.tool_calls ?? []).flatMap((c) =>
            c.type === 'function' ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments ?? '' }] : [],
          );
          return result(model, message?.content ?? '', toolCalls, toUsage(completion.usage), completion.choices[0]?.finish_reason);
        }
        // Our own controller so a stream that goes silent can be cut off.
        const controller = new AbortController();
        const abort = () => controller.abort(signal?.reason);
        signal?.addEventListener('abort', abort, { once: true });
        let stalled = false;
        let timer: NodeJS.Timeout | undefined;
        const arm = () => {
          clearTimeout(timer);
          timer = setTimeout(() => ((stalled = true), controller.abort()), timeoutMs);
        };
        try {
          const stream = await client.chat.completions.create(
            { ...params, stream: true, stream_options: { include_usage: true } },
            { signal: controller.signal },
          );
          arm();
          const acc = newAccumulator();
          for await (const chunk of stream) {
            arm();
            accumulate(acc, chunk, onToken);
          }
          // The SDK ends the iteration quietly when aborted: a cut-off reply must not pass as complete.
          if (controller.signal.aborted) throw controller.signal.reason;
          return result(model, acc.text, finishToolCalls(acc), acc.usage, acc.finishReason);
        } catch (err) {
          if (stalled) throw new ProviderError(options.name, `${options.name}: the stream went silent for ${timeoutMs} ms (${baseURL})`);
          throw err;
        } finally {
          clearTimeout(timer);
          signal?.removeEventListener('abort', abort);
        }
      } catch (err) {
        return fail(err, signal);
      }
    },

    async embed(model, texts, embedOptions = {}) {
      const { signal } = embedOptions;
      const out: number[][] = [];
      let dimensions: number | undefined;
      try {
        for (let i = 0; i < texts.length; i += EMBED_BATCH) {
          const batch = texts.slice(i, i + EMBED_BATCH);
          // Always floats: the SDK's default base64 silently yields empty vectors on some servers.
          const response = await withCallSignal(signal, (callSignal) => client.embeddings.create({ model, input: batch, encoding_format: 'float' }, { signal: callSignal }));
          const rows = [...response.data].sort((a, b) => a.index - b.index).map((d) => toVector(d.embedding));
          if (rows.length !== batch.length || rows.some((v) => v.length === 0)) {
            throw new ProviderError(options.name, `${options.name}: ${model} returned ${rows.length} embeddings for ${batch.length} texts, or an empty vector`);
          }
          dimensions = checkEmbeddings(options.name, model, rows, i + 1, dimensions);
          out.push(...rows);
        }
        return out;
      } catch (err) {
        return fail(err, signal);
      }
    },
  };
}

function toParams(model: string, request: ChatRequest, maxTokensParam: 'max_tokens' | 'max_completion_tokens'): ChatCompletionCreateParamsBase {
  const params: ChatCompletionCreateParamsBase = { model, messages: request.messages.map(toMessage) };
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.maxTokens !== undefined) params[maxTokensParam] = request.maxTokens;
  if (request.stop?.length) params.stop = request.stop;
  if (request.tools?.length) {
    params.tools = request.tools.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, description: t.description, parameters: t.parameters },
    }));
  }
  if (request.jsonSchema) {
    // strict only when the schema meets the strict-mode rules; otherwise servers refuse the request.
    params.response_format = {
      type: 'json_schema',
      json_schema: { name: 'output', schema: request.jsonSchema, strict: isStrictJsonSchema(request.jsonSchema) },
    };
  }
  return params;
}

function toMessage(m: ChatMessage): ChatCompletionMessageParam {
  switch (m.role) {
    case 'system':
      return { role: 'system', content: m.content ?? '' };
    case 'user':
      return { role: 'user', content: m.content ?? '' };
    case 'tool':
      return { role: 'tool', content: m.content ?? '', tool_call_id: m.toolCallId ?? '' };
    case 'assistant':
      return {
        role: 'assistant',
        content: m.content,
        ...(m.toolCalls?.length
          ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })) }
          : {}),
      };
  }
}

interface Accumulator {
  text: string;
  usage: Usage | null;
  calls: Map<number, ToolCall>;
  finishReason?: string;
}

function newAccumulator(): Accumulator {
  return { text: '', usage: null, calls: new Map() };
}

/** Tool calls arrive in fragments keyed by index: id and name first, arguments in pieces. */
function accumulate(acc: Accumulator, chunk: ChatCompletionChunk, onToken: (delta: string) => void): void {
  if (chunk.usage) acc.usage = toUsage(chunk.usage);
  const finish = chunk.choices?.[0]?.finish_reason;
  if (finish) acc.finishReason = finish;
  const delta = chunk.choices?.[0]?.delta;
  if (!delta) return;
  if (delta.content) {
    acc.text += delta.content;
    onToken(delta.content);
  }
  for (const part of delta.tool_calls ?? []) {
    const call = acc.calls.get(part.index) ?? { id: '', name: '', arguments: '' };
    if (part.id) call.id = part.id;
    if (part.function?.name && !call.name) call.name = part.function.name;
    if (part.function?.arguments) call.arguments += part.function.arguments;
    acc.calls.set(part.index, call);
  }
}

function finishToolCalls(acc: Accumulator): ToolCall[] {
  return [...acc.calls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, c]) => ({ ...c, id: c.id || `call_${index}` }));
}

function toUsage(u: OpenAI.CompletionUsage | null | undefined): Usage | null {
  if (!u) return null;
  const promptTokens = u.prompt_tokens ?? 0;
  const completionTokens = u.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: u.total_tokens ?? promptTokens + completionTokens };
}

/** Some servers send base64 even when floats were asked for; decode rather than return garbage. */
function toVector(embedding: number[] | string): number[] {
  if (Array.isArray(embedding)) return embedding;
  const bytes = Buffer.from(embedding, 'base64');
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4)));
}

/**
 * The SDK honours any retry-after, even an hour. A longer wait than
 * MAX_RETRY_AFTER_SECONDS is turned into a final error (x-should-retry: false).
 * One that is no hint (zero, a past date, unreadable) is dropped, so the SDK
 * backs off on its own: it would otherwise retry at once, in a burst.
 */
const capRetryAfter = (send: typeof fetch): typeof fetch => async (input, init) => {
  const response = await send(input, init);
  // A successful reply (nearly every call) returns before any header is looked up.
  if (response.ok) return response;
  const wait = retryAfterMs(response.headers);
  if (wait === undefined ? !hasRetryAfter(response.headers) : wait <= MAX_RETRY_AFTER_SECONDS * 1000) return response;
  const headers: Array<[string, string]> = wait === undefined
    ? [...response.headers].filter(([name]) => name !== 'retry-after' && name !== 'retry-after-ms')
    : [...response.headers, ['x-should-retry', 'false']];
  // The body is undici's own stream (the provider fetches with undici), so undici's Response wraps it.
  return new UndiciResponse(response.body as ConstructorParameters<typeof UndiciResponse>[0], { status: response.status, statusText: response.statusText, headers }) as unknown as Response;
};
