import { getViewportForBounds, type Viewport } from '@xyflow/react';
import { NODE_WIDTH } from './node-size';

const UNMEASURED_HEIGHT = 90;
/** Pipelines up to this many nodes are drawn whole; bigger ones draw only what is in view. */
export const LEGIBLE_MAX_NODES = 50;

type Sized = (id: string) => { width: number; height: number } | undefined;
type Placed = readonly { id: string; position?: { x: number; y: number } }[];

/** The box around every placed node; undefined when none is placed. */
function boundsOf(nodes: Placed, sizeOf: Sized) {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const n of nodes) {
    if (!n.position) continue;
    const size = sizeOf(n.id);
    x0 = Math.min(x0, n.position.x);
    y0 = Math.min(y0, n.position.y);
    x1 = Math.max(x1, n.position.x + (size?.width ?? NODE_WIDTH));
    y1 = Math.max(y1, n.position.y + (size?.height ?? UNMEASURED_HEIGHT));
  }
  return x0 === Infinity ? undefined : { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The canvas height left once the strip along the bottom, where the minimap and the zoom controls sit, is kept free. */
const freeHeight = (height: number) => height - Math.min(170, height * 0.3);

/**
 * The viewport that shows every node, computed from positions (and measured
 * sizes where the browser has them). React Flow's own fitView needs every node
 * measured, which never happens with onlyRenderVisibleElements on a big graph.
 * A pipeline opens at this viewport too: a user sees all of it first (zoom ≤ 1, so a
 * small one stays at natural size) and zooms in where they work. The strip along the bottom
 * where the minimap and the zoom controls sit is left free, so no node hides
 * under them after a fit.
 */
export function viewportToFit(nodes: Placed, sizeOf: Sized, width: number, height: number, minZoom = 0.05): Viewport | undefined {
  height = freeHeight(height);
  if (width === 0 || height === 0) return undefined;
  const box = boundsOf(nodes, sizeOf);
  if (!box) return undefined;
  return getViewportForBounds(box, width, height, minZoom, 1, 0.1);
}
