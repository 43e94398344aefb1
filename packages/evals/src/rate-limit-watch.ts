import type { ModelService } from '@patchbay/core';

/** True for a provider's "too many requests": an HTTP 429 status, or a message that says so. */
export function isRateLimit(err: unknown): boolean {
  const status = (err as { status?: unknown })?.status;
  if (status === 429) return true;
  const message = err instanceof Error ? err.message : String(err);
  return /\bHTTP 429\b|\b429 Too Many Requests\b|rate.?limit/i.test(message);
}

/**
 * Wraps a model service so a case learns that one of its calls was rate
 * limited: the engine turns a node's error into text, so the eval runner looks
 * at the error here, where it still carries its status and the wait the
 * provider asked for (a ProviderError's retryAfterMs).
 */
export function watchRateLimits(models: ModelService, onRateLimit: (retryAfterMs?: number) => void): ModelService {
  const watch = <T>(call: Promise<T>) =>
    call.catch((err) => {
      if (isRateLimit(err)) onRateLimit(retryAfterOf(err));
      throw err;
    });
  return {
    chat: (request, options) => watch(models.chat(request, options)),
    embed: (model, texts, options) => watch(models.embed(model, texts, options)),
  };
}

function retryAfterOf(err: unknown): number | undefined {
  const wait = (err as { retryAfterMs?: unknown })?.retryAfterMs;
  return typeof wait === 'number' && Number.isFinite(wait) && wait >= 0 ? wait : undefined;
}
