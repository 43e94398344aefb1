/**
 * The openai SDK adds an abort listener to the signal a call is given and
 * never removes it. A caller that hands every call the same long-lived signal
 * (an eval's scorers, a server's shutdown signal) would then keep every
 * finished call's AbortController alive on it, and each new listener walks all
 * the old ones. So each call gets a signal of its own, tied to the caller's
 * only while the call runs.
 */
export async function withCallSignal<T>(signal: AbortSignal | undefined, call: (signal?: AbortSignal) => Promise<T>): Promise<T> {
  if (!signal) return call(undefined);
  const controller = new AbortController();
  const abort = () => controller.abort(signal.reason);
  if (signal.aborted) abort();
  else signal.addEventListener('abort', abort, { once: true });
  try {
    return await call(controller.signal);
  } finally {
    signal.removeEventListener('abort', abort);
  }
}
