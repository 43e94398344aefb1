/**
 * How long a provider asks a client to wait before its next request, in ms:
 * OpenAI's `retry-after-ms`, else `retry-after` as seconds or as an HTTP date
 * (RFC 9110). Undefined when neither is there or readable; a date in the past is 0.
 */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  const ms = headers?.get('retry-after-ms')?.trim();
  if (ms && NUMBER.test(ms)) return Number(ms);
  const after = headers?.get('retry-after')?.trim();
  if (!after) return undefined;
  if (NUMBER.test(after)) return Number(after) * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const NUMBER = /^\d+(\.\d+)?$/;
