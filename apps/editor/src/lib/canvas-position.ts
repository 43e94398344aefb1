import { MAX_POSITION, type Position } from '@patchbay/core';

/**
 * A position the canvas can show: core refuses any other in a new document, but a version stored
 * before that rule may hold one (±1e308), and opening it must not leave a view that fits nothing.
 */
export function isOnCanvas(position: Position | undefined): position is Position {
  return position !== undefined && Math.abs(position.x) <= MAX_POSITION && Math.abs(position.y) <= MAX_POSITION;
}
