import { createContext, useCallback, useContext, useSyncExternalStore } from 'react';
import type { NodeProblemsStore } from '../lib/node-problems-store';
import type { RunStore } from '../lib/run-store';
import type { PinStore } from '../lib/pins';

export interface CanvasServices {
  runs: RunStore;
  problems: NodeProblemsStore;
  /** The draft's pinned outputs (absent where nothing can be pinned). */
  pins?: PinStore;
}

/** The run and problem stores the canvas's nodes read, each node only its own entry. */
export const CanvasContext = createContext<CanvasServices | null>(null);

function useCanvas(): CanvasServices {
  const services = useContext(CanvasContext);
  if (!services) throw new Error('a canvas node was drawn outside its CanvasContext');
  return services;
}

export function useNodeRun(id: string) {
  const { runs } = useCanvas();
  const subscribe = useCallback((listener: () => void) => runs.subscribeNode(id, listener), [runs, id]);
  return useSyncExternalStore(subscribe, () => runs.getNode(id));
}

/** The store of the run the canvas shows (to fetch a value the runner cut whole). */
export function useRunStore(): RunStore {
  return useCanvas().runs;
}

/** The id of the run the canvas shows (undefined before one starts). */
export function useShownRunId(): string | undefined {
  const { runs } = useCanvas();
  return useSyncExternalStore(runs.subscribe, () => runs.getRun().runId);
}

const noPins = () => () => {};

/** Whether the node's output is pinned in this draft. */
export function useNodePinned(id: string): boolean {
  const { pins } = useCanvas();
  return useSyncExternalStore(pins?.subscribe ?? noPins, () => pins?.has(id) ?? false);
}

export function useNodeProblems(id: string) {
  const { problems } = useCanvas();
  const subscribe = useCallback((listener: () => void) => problems.subscribe(id, listener), [problems, id]);
  return useSyncExternalStore(subscribe, () => problems.get(id));
}
