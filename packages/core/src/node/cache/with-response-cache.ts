import type { ChatOptions, ChatRequest, ChatResult, ModelService } from '../../engine/services';
import { parseModelName } from '../../nodes/model-name';
import { chatCacheKey, embeddingCacheKey, type ResponseCache } from './response-cache';
import { untilAborted } from '../until-aborted';

export interface ResponseCachePolicy {
  /** false: every call goes to the provider (`--no-cache`, or `cache.enabled: false` in the config). */
  enabled: boolean;
  /** Also cache chat calls whose temperature is not 0 (config `cache.anyTemperature`). */
  anyTemperature?: boolean;
}

/** Per-call opt-in: `{ cache: true }` caches a call even at a non-zero temperature. */
export type CachedChatOptions = ChatOptions & { cache?: boolean };

export interface CachedModelService extends ModelService {
  chat(request: ChatRequest, options?: CachedChatOptions): Promise<ChatResult>;
}

/**
 * The built-in `offline` provider is local, instant and deterministic, and its
 * scripted rules live in the config: caching it would only serve stale answers.
 */
const UNCACHED_PROVIDERS = new Set(['offline']);

/**
 * Wraps a ModelService with the response cache. A chat call is cached when its
 * temperature is exactly 0 (an unset temperature means the provider's default,
 * usually 1, so it is not), or when the call or policy opts in. Embeddings are
 * deterministic and always cached. Identical calls in flight at the same time
 * share one provider call. A hit returns `cached: true` with the original usage
 * and cost, and still passes the whole text once to `onToken`.
 */
export function withResponseCache(service: ModelService, cache: ResponseCache, policy: ResponseCachePolicy): CachedModelService {
  const inFlight = new Map<string, { promise: Promise<ChatResult>; signal?: AbortSignal }>();
  const providerOf = (name: string) => parseModelName(name)?.provider ?? '';
  const cacheable = (request: ChatRequest, options: CachedChatOptions) =>
    policy.enabled &&
    !UNCACHED_PROVIDERS.has(providerOf(request.model)) &&
    (request.temperature === 0 || options.cache === true || policy.anyTemperature === true);

  const replay = (result: ChatResult, options: ChatOptions): ChatResult => {
    if (result.text) options.onToken?.(result.text);
    return { ...result, cached: true };
  };

  async function chat(request: ChatRequest, options: CachedChatOptions = {}): Promise<ChatResult> {
    if (!cacheable(request, options)) return service.chat(request, options);
    options.signal?.throwIfAborted();
    const key = chatCacheKey(request);
    const lookup = cache.getChat(key);
    // A cache in a database server answers later: the call may have been cancelled meanwhile.
    const stored = lookup instanceof Promise ? await lookup : lookup;
    if (lookup instanceof Promise) options.signal?.throwIfAborted();
    if (stored) return replay(stored, options);

    const shared = inFlight.get(key);
    if (shared) {
      try {
        return replay(await untilAborted(shared.promise, options.signal), options);
      } catch (err) {
        // The first caller cancelled its own call; this one was not cancelled, so it asks itself.
        if (shared.signal?.aborted && !options.signal?.aborted) {
          if (inFlight.get(key) === shared) inFlight.delete(key);
          return chat(request, options);
        }
        throw err;
      }
    }
    const promise = service.chat(request, options).then((result) => {
      cache.putChat(key, result);
      return result;
    });
    inFlight.set(key, { promise, signal: options.signal });
    try {
      return await promise;
    } finally {
      inFlight.delete(key);
    }
  }

  async function embed(model: string, texts: string[], options: { signal?: AbortSignal } = {}): Promise<number[][]> {
    if (!policy.enabled || UNCACHED_PROVIDERS.has(providerOf(model)) || texts.length === 0) return service.embed(model, texts, options);
    const keys = texts.map((text) => embeddingCacheKey(model, text));
    const found = await cache.getVectors(keys);
    const missing = found.flatMap((v, i) => (v ? [] : [i]));
    if (missing.length) {
      const fresh = await service.embed(model, missing.map((i) => texts[i]), options);
      cache.putVectors(missing.map((i, k) => [keys[i], fresh[k]]));
      missing.forEach((i, k) => (found[i] = fresh[k]));
    }
    return found as number[][];
  }

  return { chat, embed };
}
