import { describe, expect, it } from 'vitest';
import { placeMarkerLabels, type MarkerLabel } from '../src/monitoring/marker-labels';

/** The label boxes drawn, as [left, right, row]. */
function boxes(markers: { x: number; text: string }[], width: number): Array<[number, number, number]> {
  return placeMarkerLabels(markers, width).flatMap((l: MarkerLabel | null) => (l ? [[l.left, l.right, l.row] as [number, number, number]] : []));
}

describe('deployment marker labels', () => {
  it('draws no two labels over each other, however close the moves (ten moves in a few minutes)', () => {
    // Seen in a 1h chart: ten moves within ~20 minutes drew ten labels on two rows into an unreadable smear.
    const markers = Array.from({ length: 10 }, (_, i) => ({ x: 200 + i * 4, text: `production → v${i + 1}` }));
    const drawn = boxes(markers, 420);
    expect(drawn.length).toBeGreaterThan(0);
    for (const [i, a] of drawn.entries()) {
      for (const b of drawn.slice(i + 1)) expect(a[2] !== b[2] || a[1] <= b[0] || b[1] <= a[0], `${a} and ${b}`).toBe(true);
    }
    // every label drawn lies inside the chart
    for (const [left, right] of drawn) expect(left >= 0 && right <= 420).toBe(true);
  });

  it('names every move that has room, on the side of its line with room', () => {
    const labels = placeMarkerLabels([{ x: 60, text: 'production → v3' }, { x: 300, text: 'staging → v2' }, { x: 400, text: 'production → v4' }], 420);
    expect(labels.every((l) => l !== null)).toBe(true);
    expect(labels[0]).toMatchObject({ anchor: 'start' });
    expect(labels[2]).toMatchObject({ anchor: 'end' });
  });
});
