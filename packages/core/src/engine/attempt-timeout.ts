/** The error a node attempt fails with when it runs past its node's `timeoutMs`. */
export class NodeTimeoutError extends Error {
  constructor(nodeId: string, timeoutMs: number) {
    super(`node "${nodeId}" timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Runs one attempt under its own AbortSignal, which fires when the time limit
 * passes or the run is aborted. The attempt settles at that moment even if the
 * node ignores its signal, so a stuck node cannot hold the run. Only nodes with
 * `timeoutMs` pay for the timer and the listener.
 */
export function runWithTimeout<T>(
  start: (signal: AbortSignal) => Promise<T>,
  runSignal: AbortSignal,
  nodeId: string,
  timeoutMs: number,
): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      runSignal.removeEventListener('abort', onRunAbort);
    };
    const onRunAbort = () => {
      cleanup();
      controller.abort(runSignal.reason);
      reject(runSignal.reason);
    };
    const timer = setTimeout(() => {
      cleanup();
      const error = new NodeTimeoutError(nodeId, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    runSignal.addEventListener('abort', onRunAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = start(controller.signal);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (err) => {
        cleanup();
        reject(err);
      },
    );
  });
}
