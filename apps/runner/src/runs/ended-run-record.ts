import { setTimeout as sleep } from 'node:timers/promises';
import { isStoreUnavailable } from '../store/store-unavailable';
import type { RunRecord, RunStore } from '../store/runs';

/** How often the store is asked while the run is still `running` there. */
const POLL_MS = 500;

/**
 * A run's record once it has ended, asked of the store every 0.5 s while it says `running` (and while the store
 * is out of reach); undefined when there is no such run, or once `signal` aborts first (its caller went away).
 *
 * For a caller whose live events stopped short of the run's end: scaled out, a Redis that came back empty (no
 * persistence) loses a run's job and events while the worker that runs it goes on, and records it.
 */
export async function endedRunRecord(store: Pick<RunStore, 'status' | 'get'>, id: string, signal?: AbortSignal): Promise<RunRecord | undefined> {
  for (;;) {
    if (signal?.aborted) return undefined;
    const status = await store.status(id).catch((err) => {
      if (isStoreUnavailable(err)) return 'running' as const;
      throw err;
    });
    if (status === undefined) return undefined;
    if (status !== 'running') return store.get(id);
    await sleep(POLL_MS, undefined, { signal }).catch(() => {}); // aborted: the check above returns
  }
}
