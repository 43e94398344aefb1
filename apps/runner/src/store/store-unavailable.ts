import { setTimeout } from 'node:timers/promises';

/**
 * True for an error that says the database itself is unreachable (PostgreSQL
 * stopped, restarting, the network gone), not that a query was wrong: the
 * request then ends in a 503 the client may retry, not a 500.
 */
export function isStoreUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    // Node's socket errors, and PostgreSQL's classes 08 (connection exception) and 57P (operator intervention: shutdown, cannot connect now).
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)) return true;
    if (code.startsWith('08') || code.startsWith('57P')) return true;
  }
  // pg's own wording when the server closed the socket or the pool could not connect in time.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed/i.test(err.message);
}

/**
 * `attempt()` again while the store is out of reach, waiting 0.5 s, then twice as long each time up to
 * 5 s: for what must be recorded, not dropped (a run's or an eval's outcome). Any other error, and an
 * abort of `signal` while it waits, is thrown.
 */
export async function untilStoreAnswers<T>(attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let waitMs = 500; ; waitMs = Math.min(waitMs * 2, 5_000)) {
    try {
      return await attempt();
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      await setTimeout(waitMs, undefined, { signal });
    }
  }
}
