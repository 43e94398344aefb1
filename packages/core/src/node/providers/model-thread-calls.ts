import type { MessagePort } from 'node:worker_threads';
import type { ChatRequest } from '../../engine/services';
import { createOpenAICompatibleProvider, type OpenAICompatibleOptions } from './openai-compatible';
import type { Provider } from './provider';
import { ProviderError } from './provider-error';

/** What the main thread sends the model thread (model-thread.ts). `options` comes with a provider's first call. */
export type ModelThreadRequest =
  | { kind: 'chat'; id: number; provider: number; options?: OpenAICompatibleOptions; model: string; request: ChatRequest; stream: boolean; cancellable: boolean }
  | { kind: 'embed'; id: number; provider: number; options?: OpenAICompatibleOptions; model: string; texts: string[]; cancellable: boolean }
  | { kind: 'abort'; id: number }
  | { kind: 'forget'; provider: number };

/** A call's error as it crosses threads: a ProviderError keeps its class, status and wait. */
export interface WireError {
  message: string;
  provider?: string;
  status?: number;
  retryAfterMs?: number;
}

/**
 * What the model thread answers: that it has loaded the providers' modules (once, when it starts), and for each
 * call the tokens of a streamed chat as they come, then its result or error. A chat's result is its ChatResult as
 * is (finishReason included: `length` is how a caller learns the reply was cut off).
 */
export type ModelThreadAnswer = { loaded: true } | { id: number; token: string } | { id: number; result: unknown } | { id: number; error: WireError };

export function toWireError(err: unknown): WireError {
  if (err instanceof ProviderError) return { message: err.message, provider: err.provider, status: err.status, retryAfterMs: err.retryAfterMs };
  return { message: err instanceof Error ? err.message : String(err) };
}

export function fromWireError(wire: WireError): Error {
  return wire.provider === undefined ? new Error(wire.message) : new ProviderError(wire.provider, wire.message, wire.status, wire.retryAfterMs);
}

/** The model thread's loop: each call runs on the OpenAI-compatible provider made from its options, many at once. */
export function serveModelCalls(port: MessagePort): void {
  const providers = new Map<number, Provider>();
  const running = new Map<number, AbortController>();
  const answer = (message: ModelThreadAnswer) => port.postMessage(message);
  port.on('message', (m: ModelThreadRequest) => {
    if (m.kind === 'abort') return void running.get(m.id)?.abort();
    if (m.kind === 'forget') return void providers.delete(m.provider);
    if (m.options) providers.set(m.provider, createOpenAICompatibleProvider(m.options));
    const provider = providers.get(m.provider);
    if (!provider) return answer({ id: m.id, error: { message: 'the model thread does not know this provider (a bug: please report it)' } });
    // A signal only for a call the caller can cancel: the SDK pays for one on every call it is given.
    const controller = m.cancellable ? new AbortController() : undefined;
    if (controller) running.set(m.id, controller);
    const call =
      m.kind === 'chat'
        ? provider.chat(m.model, m.request, { signal: controller?.signal, onToken: m.stream ? (token) => answer({ id: m.id, token }) : undefined })
        : provider.embed(m.model, m.texts, { signal: controller?.signal });
    call.then(
      (result) => answer({ id: m.id, result }),
      (err: unknown) => answer({ id: m.id, error: toWireError(err) }),
    ).finally(() => running.delete(m.id));
  });
}
