import { useCallback, useEffect, useRef } from 'react';
import { ApiError, type Api, type RunRequest } from '../lib/api';
import type { RunStore } from '../lib/run-store';
import { forgetLiveRun, rememberLiveRun } from '../lib/live-run';

/**
 * Starts a streamed run and feeds its events to the run store; Cancel asks
 * the runner to cancel (the stream then ends with run.failed, cancelled).
 * The run is remembered for the tab until it ends, so `follow` can pick it up
 * again after a reload (live-run.ts).
 */
export function useRun(api: Api, runs: RunStore, pipeline: string, onFinished: () => void) {
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
            if (event.type === 'run.started') {
              runId.current = event.runId;
              rememberLiveRun(pipeline, event.runId);
            }
            runs.apply(event);
          },
          own.signal,
        );
        if (!last || (last.type !== 'run.completed' && last.type !== 'run.failed')) runs.fail('the run stream ended before the run did');
      } catch (err) {
        if (!own.signal.aborted) runs.fail((err as Error).message);
      }
      if (runId.current && !own.signal.aborted) forgetLiveRun(pipeline, runId.current);
      if (controller.current === own) finished.current();
    },
    [api, runs, pipeline],
  );

  /** Shows a run this tab started before a reload: still running, it streams on (and Cancel reaches it); ended, its result. */
  const follow = useCallback(
    async (id: string) => {
      const own = new AbortController();
      controller.current?.abort();
      controller.current = own;
      try {
        const record = await api.getRun(id);
        if (own.signal.aborted) return;
        if (record.status !== 'running') {
          runs.load(record);
        } else {
          await api.followRun(id, (event) => runs.apply(event), own.signal);
        }
        forgetLiveRun(pipeline, id);
      } catch (err) {
        // gone (deleted, another data dir): nothing to pick up
        if (err instanceof ApiError && err.status === 404) forgetLiveRun(pipeline, id);
        return;
      }
      if (controller.current === own) finished.current();
    },
    [api, runs, pipeline],
  );

  // Cancel is for the run on the canvas: this hook's own, or one opened while it ran (?run=ID), which this hook never started.
  const cancel = useCallback(async () => {
    const id = runs.getRun().runId;
    try {
      if (!id) throw new Error('the run has not started yet');
      await api.cancelRun(id);
    } catch {
      // the runner could not be asked: stop listening at least
      controller.current?.abort();
      runs.apply({ type: 'run.failed', runId: id ?? '', at: Date.now(), durationMs: 0, error: 'cancelled', cancelled: true });
    }
  }, [api, runs]);

  return { start, cancel, follow };
}
