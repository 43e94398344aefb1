import { useEffect, useRef, type RefObject } from 'react';
import { useStoreApi, type Viewport } from '@xyflow/react';

/**
 * Keeps a pipeline fitted into view while its canvas changes size before the user has moved the
 * view: the opening fit is worked out before the document is drawn, and the palette column that
 * comes with it (or a resized window) then narrows the canvas, which cut off the right of the
 * demo at 1280×720. Returns `opened`: set it to the viewport an opening fit chose.
 */
export function useKeepOpeningFit(box: RefObject<HTMLElement | null>, refit: () => Viewport | undefined) {
  const flowStore = useStoreApi();
  const opened = useRef<Viewport | undefined>(undefined);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      const at = opened.current;
      if (!at) return;
      const [x, y, zoom] = flowStore.getState().transform;
      const moved = Math.abs(x - at.x) > 0.5 || Math.abs(y - at.y) > 0.5 || Math.abs(zoom - at.zoom) > 1e-4;
      opened.current = moved ? undefined : refit();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [box, flowStore, refit]);
  return opened;
}
