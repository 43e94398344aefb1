import { useEffect } from 'react';
import type { Api } from '../lib/api';
import type { RunStore } from '../lib/run-store';
import type { Shown } from './use-editor-content';

/**
 * A stored run opened while it still runs (`?run=ID` after a reload mid-run, the Runs list,
 * monitoring) follows its events to the end, instead of staying the snapshot it was when
 * it was read. Leaving the run stops following.
 */
export function useFollowRun(api: Api, runs: RunStore, shown: Shown | undefined): void {
  const id = shown?.mode === 'run' && shown.run.status === 'running' ? shown.run.id : undefined;
  useEffect(() => {
    if (!id) return;
    const following = new AbortController();
    api.followRun(id, (event) => runs.apply(event), following.signal).catch(() => {
      // the stream broke (the runner stopped): the canvas keeps what it last showed
    });
    return () => following.abort();
  }, [api, runs, id]);
}
