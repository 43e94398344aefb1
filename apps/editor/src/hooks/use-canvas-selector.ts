import { useSyncExternalStore } from 'react';
import type { CanvasState, EditorStore } from '../lib/editor-store';

/**
 * A slice of the canvas state. The selector must return a primitive or an
 * object the state already holds, so a drag (which changes positions only)
 * does not re-render panels that do not show positions.
 */
export function useCanvasSelector<T>(store: EditorStore, selector: (state: CanvasState) => T): T {
  return useSyncExternalStore(store.subscribe, () => selector(store.getState()));
}
