/** Where a deployment marker's name is drawn: its box on one of the rows above the plot. */
export interface MarkerLabel {
  row: number;
  /** The text's x and anchor: right of the line, or left of it near the right edge. */
  x: number;
  anchor: 'start' | 'end';
  left: number;
  right: number;
}

/** Rows of names above the plot (the chart's top margin holds two). */
const ROWS = 2;
/** An 11px label's width per character, a little generous so estimates do not touch. */
const CHAR_WIDTH = 6.5;
const GAP = 4;

/**
 * Names each marker (in time order) on the first row where it overlaps no name
 * already placed, or not at all (null): the line stays, its title and the list
 * above the charts still name it. Several moves within minutes drew their names
 * over each other, two rows deep, into a smear no one could read.
 */
export function placeMarkerLabels(markers: Array<{ x: number; text: string }>, width: number): Array<MarkerLabel | null> {
  const taken: Array<Array<[number, number]>> = Array.from({ length: ROWS }, () => []);
  return markers.map(({ x, text }) => {
    const w = text.length * CHAR_WIDTH;
    const anchor = x > width * 0.6 ? 'end' : 'start';
    const left = anchor === 'end' ? x - 3 - w : x + 3;
    const right = left + w;
    if (left < 0 || right > width) return null;
    const row = taken.findIndex((boxes) => boxes.every(([l, r]) => right + GAP <= l || r + GAP <= left));
    if (row < 0) return null;
    taken[row].push([left, right]);
    return { row, x: anchor === 'end' ? x - 3 : x + 3, anchor, left, right };
  });
}
