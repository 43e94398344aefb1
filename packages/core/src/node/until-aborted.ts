/**
 * The promise's outcome, or the signal's reason as soon as it aborts, for work
 * that takes no signal itself (a DNS lookup, a shared in-flight call, a queue's
 * turn). The work runs on; only the wait for it ends.
 */
export function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
