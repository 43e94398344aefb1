import { useEffect, useState } from 'react';
import type { EvalResult, EvalsApi } from '../../lib/evals-api';

export interface LiveProgress {
  done: number;
  total: number;
  passed: number;
  failed: number;
}

/**
 * One eval's result (read again when `generation` changes); while it runs, its progress follows the SSE stream and
 * the full result is fetched again when it ends (then `onEnded` is called).
 */
export function useEvalResult(api: EvalsApi, id: string | undefined, onEnded: () => void, generation = 0) {
  const [result, setResult] = useState<EvalResult>();
  const [live, setLive] = useState<LiveProgress>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    setResult(undefined);
    setLive(undefined);
    setError(undefined);
    if (!id) return;
    const controller = new AbortController();
    const stopped = () => controller.signal.aborted;
    (async () => {
      const first = await api.getEval(id);
      if (stopped()) return;
      setResult(first);
      if (first.status !== 'running') return;
      const counts: LiveProgress = { done: 0, total: first.progress.total, passed: 0, failed: 0 };
      setLive({ ...counts });
      // The stream replays every past event first, so counting from zero is exact.
      await api.followEval(
        id,
        (event) => {
          if (event.type !== 'eval.case') return;
          counts.done = event.done;
          counts.total = event.total;
          if (event.status === 'passed') counts.passed++;
          else counts.failed++;
          setLive({ ...counts });
        },
        controller.signal,
      );
      if (stopped()) return;
      setResult(await api.getEval(id));
      setLive(undefined);
      onEnded();
    })().catch((err: Error) => !stopped() && setError(err.message));
    return () => controller.abort();
    // onEnded is a notification; a new function identity must not restart the stream
    // generation: the same eval again (resumed), so read it and follow its stream anew
  }, [api, id, generation]);

  return { result, live, error };
}
