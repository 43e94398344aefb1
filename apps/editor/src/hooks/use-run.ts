import { useCallback, useEffect, useRef } from 'react';
import type { Api, RunRequest } from '../lib/api';
import type { RunStore } from '../lib/run-store';

/**
 * Starts a streamed run and feeds its events to the run store; Cancel asks
 * the runner to cancel (the stream then ends with run.failed, cancelled).
 */
export function useRun(api: Api, runs: RunStore, onFinished: () => void) {
  const controller = useRef<AbortController | undefined>(undefined);
  const runId = useRef<string | undefined>(undefined);
  const finished = useRef(onFinished);
  finished.current = onFinished;

  useEffect(() => () => controller.current?.abort(), []);

  const start = useCallback(
    async (body: RunRequest) => {
      controller.current?.abort();
      const own = new AbortController();
      controller.current = own;
      runId.current = undefined;
      runs.reset();
      try {
        const last = await api.streamRun(
          body,
          (event) => {
            if (event.type === 'run.started') runId.current = event.runId;
            runs.apply(event);
          },
          own.signal,
        );
        if (!last || (last.type !== 'run.completed' && last.type !== 'run.failed')) runs.fail('the run stream ended before the run did');
      } catch (err) {
        if (!own.signal.aborted) runs.fail((err as Error).message);
      }
      if (controller.current === own) finished.current();
    },
    [api, runs],
  );

  const cancel = useCallback(async () => {
    const id = runId.current;
    try {
      if (!id) throw new Error('the run has not started yet');
      await api.cancelRun(id);
    } catch {
      // the runner could not be asked: stop listening at least
      controller.current?.abort();
      runs.apply({ type: 'run.failed', runId: id ?? '', at: Date.now(), durationMs: 0, error: 'cancelled', cancelled: true });
    }
  }, [api, runs]);

  return { start, cancel };
}
