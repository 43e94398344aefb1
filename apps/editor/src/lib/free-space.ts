import type { Position } from '@patchbay/core';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Room kept between a placed node and its neighbours. */
const GAP = 24;

const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width + GAP && b.x < a.x + a.width + GAP && a.y < b.y + b.height + GAP && b.y < a.y + a.height + GAP;

/**
 * Where a node of `size` goes when it is added without a drop point: `wanted` (the
 * viewport centre) if nothing is there, else the nearest free spot on a grid around
 * it — never on top of another node.
 */
export function freeSpot(wanted: Position, size: { width: number; height: number }, boxes: readonly Box[]): Position {
  const stepX = size.width + GAP;
  const stepY = size.height + GAP;
  for (let ring = 0; ring <= 50; ring++) {
    const cells: Position[] = [];
    for (let i = -ring; i <= ring; i++) {
      for (let j = -ring; j <= ring; j++) {
        if (Math.max(Math.abs(i), Math.abs(j)) === ring) cells.push({ x: wanted.x + i * stepX, y: wanted.y + j * stepY });
      }
    }
    cells.sort((a, b) => Math.hypot(a.x - wanted.x, a.y - wanted.y) - Math.hypot(b.x - wanted.x, b.y - wanted.y));
    const free = cells.find((c) => !boxes.some((b) => overlaps({ ...c, ...size }, b)));
    if (free) return free;
  }
  return wanted;
}
