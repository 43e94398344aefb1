import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ChatMessage, ChatOptions, ChatRequest, ChatResult, ToolCall } from '../../engine/services';
import type { Provider } from './provider';
import { extractiveAnswer } from './offline-extractive';
import { compileScriptedRules, scriptedAnswer, type ScriptedRule } from './offline-scripted';
import { hashEmbedding } from './offline-hash';

export const OFFLINE_CHAT_MODELS = ['echo', 'extractive', 'scripted'] as const;
export const OFFLINE_EMBEDDING_MODELS = ['hash'] as const;
const ALL_MODELS = [...OFFLINE_CHAT_MODELS, ...OFFLINE_EMBEDDING_MODELS];

export interface OfflineProviderOptions {
  /** Rules of `offline:scripted` (the workspace config's `scripted`). */
  scripted?: readonly ScriptedRule[];
}

/** Streamed answers arrive in about this many chunks. */
const STREAM_CHUNKS = 4;

/**
 * The built-in provider that needs no network and no key (DESIGN.md, "offline").
 * It is no language model: it echoes, extracts a sentence, follows rules, or
 * hashes text into vectors, so first runs, demos and tests work anywhere.
 */
export function createOfflineProvider(options: OfflineProviderOptions = {}): Provider {
  const rules = compileScriptedRules(options.scripted ?? []);
  const answer = (model: string, messages: ChatMessage[]): { text: string; toolCalls: ToolCall[] } => {
    switch (model) {
      case 'echo':
        return { text: messages.findLast((m) => m.role === 'user')?.content ?? '', toolCalls: [] };
      case 'extractive':
        return { text: extractiveAnswer(messages), toolCalls: [] };
      case 'scripted':
        return scriptedAnswer(rules, messages);
      case 'hash':
        throw new Error('offline:hash is an embedding model and cannot chat; chat models: offline:echo, offline:extractive, offline:scripted');
      default:
        throw unknownModel(model);
    }
  };

  return {
    async chat(model: string, request: ChatRequest, chatOptions: ChatOptions = {}): Promise<ChatResult> {
      chatOptions.signal?.throwIfAborted();
      const reply = answer(model, request.messages);
      const text = limit(reply.text, request);
      await stream(text, chatOptions);
      const promptTokens = request.messages.reduce(
        (n, m) => n + words(m.content ?? '') + (m.toolCalls ?? []).reduce((k, c) => k + words(c.arguments), 0),
        0,
      );
      const completionTokens = words(text) + reply.toolCalls.reduce((n, c) => n + words(c.arguments), 0);
      return {
        text,
        toolCalls: reply.toolCalls,
        usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
        costUsd: 0,
        model: request.model,
      };
    },

    async embed(model: string, texts: string[], embedOptions: { signal?: AbortSignal } = {}): Promise<number[][]> {
      embedOptions.signal?.throwIfAborted();
      if (model === 'hash') {
        // Hashing a big ingest takes seconds: let the event loop run every ~20 ms of it.
        const vectors: number[][] = [];
        let last = Date.now();
        for (const text of texts) {
          vectors.push(hashEmbedding(text));
          if (Date.now() - last < 20) continue;
          await new Promise<void>((resolve) => setImmediate(resolve));
          embedOptions.signal?.throwIfAborted();
          last = Date.now();
        }
        return vectors;
      }
      if ((OFFLINE_CHAT_MODELS as readonly string[]).includes(model)) {
        throw new Error(`offline:${model} is a chat model and cannot embed; use offline:hash`);
      }
      throw unknownModel(model);
    },
  };
}

function unknownModel(model: string): Error {
  return new Error(`unknown offline model "${model}"; offline models: ${ALL_MODELS.map((m) => `offline:${m}`).join(', ')}`);
}

/** Tokens are counted as whitespace-separated words. */
function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Honours `stop` (cut before the first stop sequence) and `maxTokens` (keep that many words). */
function limit(text: string, request: ChatRequest): string {
  let out = text;
  for (const stop of request.stop ?? []) {
    const at = stop ? out.indexOf(stop) : -1;
    if (at >= 0) out = out.slice(0, at);
  }
  if (request.maxTokens !== undefined && words(out) > request.maxTokens) {
    out = (out.match(/\s*\S+/g) ?? []).slice(0, request.maxTokens).join('').trimStart();
  }
  return out;
}

/** Sends the answer through onToken in a few chunks, yielding between them so a cancel lands. */
async function stream(text: string, options: ChatOptions): Promise<void> {
  if (!text) return;
  const pieces = text.match(/\s*\S+\s*/g) ?? [text];
  const size = Math.ceil(pieces.length / STREAM_CHUNKS);
  for (let i = 0; i < pieces.length; i += size) {
    options.signal?.throwIfAborted();
    options.onToken?.(pieces.slice(i, i + size).join(''));
    await nextTurn();
  }
  options.signal?.throwIfAborted();
}
