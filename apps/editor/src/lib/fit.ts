import { getViewportForBounds, type Viewport } from '@xyflow/react';
import { NODE_WIDTH } from './node-size';

const UNMEASURED_HEIGHT = 90;
/** Pipelines up to this many nodes open at 100% (card text ≥ 11 px) even when they do not fit; bigger ones open as an overview. */
export const LEGIBLE_MAX_NODES = 50;
const OPEN_PADDING_PX = 24;

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
 * Small pipelines stay at natural size (zoom ≤ 1). The strip along the bottom
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

/**
 * The viewport a pipeline opens at: fitted when it fits at 100%, or when it is big (an
 * overview); a small pipeline that does not fit opens at 100%, so its cards read without
 * zooming, from its start (the left, where its inputs are) and centred on its height when
 * that fits. The Fit action still shows everything.
 */
export function viewportToOpen(nodes: Placed, sizeOf: Sized, width: number, height: number): Viewport | undefined {
  const fitted = viewportToFit(nodes, sizeOf, width, height);
  if (!fitted || fitted.zoom >= 1 || nodes.length > LEGIBLE_MAX_NODES) return fitted;
  const box = boundsOf(nodes, sizeOf)!;
  const free = freeHeight(height);
  const y = box.height + 2 * OPEN_PADDING_PX <= free ? (free - box.height) / 2 - box.y : OPEN_PADDING_PX - box.y;
  return { x: OPEN_PADDING_PX - box.x, y, zoom: 1 };
}
