import type { Position } from '@patchbay/core';

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * Where a node of `size` (flow units: the size it will be drawn at) dropped from the palette at `cursor` (screen
 * pixels) goes, as its top-left in flow coordinates: centred on the cursor, as one expects of a thing carried by its
 * middle (Flowise and Rivet do the same), and kept inside the visible canvas `box`, so a drop near an edge does not
 * leave part of the node off screen.
 */
export function dropPosition(box: Box, cursor: { x: number; y: number }, toFlow: (screen: { x: number; y: number }) => Position, size: { width: number; height: number }): Position {
  const at = toFlow(cursor);
  const topLeft = toFlow({ x: box.left, y: box.top });
  const bottomRight = toFlow({ x: box.right, y: box.bottom });
  // a canvas narrower than a node keeps its left (top) edge in view rather than its right (bottom)
  const clamp = (v: number, min: number, max: number) => Math.max(min, Math.min(v, max));
  return {
    x: clamp(at.x - size.width / 2, topLeft.x, bottomRight.x - size.width),
    y: clamp(at.y - size.height / 2, topLeft.y, bottomRight.y - size.height),
  };
}
