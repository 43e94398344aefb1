import { getViewportForBounds, type Viewport } from '@xyflow/react';
import { NODE_WIDTH } from './node-size';

const UNMEASURED_HEIGHT = 90;

/**
 * The viewport that shows every node, computed from positions (and measured
 * sizes where the browser has them). React Flow's own fitView needs every node
 * measured, which never happens with onlyRenderVisibleElements on a big graph.
 * Small pipelines stay at natural size (zoom ≤ 1). The strip along the bottom
 * where the minimap and the zoom controls sit is left free, so no node hides
 * under them after a fit.
 */
export function viewportToFit(
  nodes: readonly { id: string; position?: { x: number; y: number } }[],
  sizeOf: (id: string) => { width: number; height: number } | undefined,
  width: number,
  height: number,
  minZoom = 0.05,
): Viewport | undefined {
  height -= Math.min(170, height * 0.3);
  if (width === 0 || height === 0) return undefined;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const n of nodes) {
    if (!n.position) continue;
    const size = sizeOf(n.id);
    const w = size?.width ?? NODE_WIDTH;
    const h = size?.height ?? UNMEASURED_HEIGHT;
    x0 = Math.min(x0, n.position.x);
    y0 = Math.min(y0, n.position.y);
    x1 = Math.max(x1, n.position.x + w);
    y1 = Math.max(y1, n.position.y + h);
  }
  if (x0 === Infinity) return undefined;
  return getViewportForBounds({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, width, height, minZoom, 1, 0.1);
}
