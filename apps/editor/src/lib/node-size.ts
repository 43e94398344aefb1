// The drawn geometry of a node (styles.css `.pb-node` uses the same numbers): layout and fit use
// it before the browser has measured a node, and the canvas draws a node at this size at once.

/** The drawn width of a node, borders included. */
export const NODE_WIDTH = 220;
export const HEADER_PX = 31;
export const PORTS_PADDING_PX = 2;
export const ROW_PX = 22;
const BORDERS_PX = 4;

/** The height of a node with `rows` port rows (more inputs or outputs, whichever is larger), before any streamed text or error. */
export function nodeHeight(rows: number): number {
  return HEADER_PX + 2 * PORTS_PADDING_PX + Math.max(1, rows) * ROW_PX + BORDERS_PX;
}
