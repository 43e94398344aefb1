/**
 * How long a provider asks a client to wait before its next request, in ms:
 * OpenAI's `retry-after-ms`, else `retry-after` as seconds or as an HTTP date
 * (RFC 9110). Undefined when neither is there or readable, and when the wait
 * is zero (or a date already past): "retry at once" is no hint, as OpenAI's
 * Python SDK takes it, so the caller backs off on its own rather than
 * retrying in a burst.
 */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  const ms = headers?.get('retry-after-ms')?.trim();
  if (ms && NUMBER.test(ms) && Number(ms) > 0) return Number(ms);
  const after = headers?.get('retry-after')?.trim();
  if (!after) return undefined;
  if (NUMBER.test(after)) return Number(after) > 0 ? Number(after) * 1000 : undefined;
  const date = Date.parse(after);
  return Number.isNaN(date) || date <= now ? undefined : date - now;
}

/** True when a response names a wait at all, readable or not. */
export function hasRetryAfter(headers: { has(name: string): boolean }): boolean {
  return headers.has('retry-after-ms') || headers.has('retry-after');
}

const NUMBER = /^\d+(\.\d+)?$/;
