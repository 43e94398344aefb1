// The drawn geometry of a node (styles.css `.pb-node` uses the same numbers): layout and fit use
// it before the browser has measured a node, and the canvas draws a node at this size at once.

/** The drawn width of a node, borders included. */
export const NODE_WIDTH = 220;
export const HEADER_PX = 31;
/** One line of the node type's summary (the model, a prompt's first line) under the header, detailed cards only. */
export const SUMMARY_ROW_PX = 18;
/** Padding above and below the summary block, when there is one. */
export const SUMMARY_PADDING_PX = 3;
export const PORTS_PADDING_PX = 2;
export const ROW_PX = 22;
const BORDERS_PX = 4;

/** The height of the summary block for `lines` lines (0 when compact or when there is nothing to say). */
export function summaryHeight(lines: number): number {
  return lines > 0 ? lines * SUMMARY_ROW_PX + 2 * SUMMARY_PADDING_PX : 0;
}

/**
 * The height of a node with `rows` port rows (more inputs or outputs, whichever is larger) and
 * `summaryLines` summary lines, before any run chip, streamed text or error.
 */
export function nodeHeight(rows: number, summaryLines = 0): number {
  return HEADER_PX + summaryHeight(summaryLines) + 2 * PORTS_PADDING_PX + Math.max(1, rows) * ROW_PX + BORDERS_PX;
}
