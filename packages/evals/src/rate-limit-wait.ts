/**
 * The longest a rate-limited case waits on a provider's Retry-After: a longer
 * ask is cut to this (the provider refuses to wait past 60 s itself), so one
 * header cannot stall an eval for an hour.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/** The eval's own backoff, without a Retry-After, is capped at this. */
const MAX_BACKOFF_MS = 10_000;

/**
 * How long a rate-limited case waits before its next attempt: what the
 * provider asked for (Retry-After, at most MAX_RETRY_AFTER_MS), else the
 * eval's backoff, doubling from `backoffMs` per attempt up to 10 s. A wait of
 * 0 is no hint (as OpenAI's Python SDK takes it): retrying at once would send
 * up to 20 attempts in a burst.
 */
export function rateLimitWaitMs(attempt: number, backoffMs: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs > 0) return Math.min(MAX_RETRY_AFTER_MS, retryAfterMs);
  return Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** (attempt - 1));
}
