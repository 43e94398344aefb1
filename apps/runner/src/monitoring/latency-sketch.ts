import { DDSketch } from '@datadog/sketches-js';

/**
 * Latency percentiles that merge: a DDSketch (Datadog's, relative accuracy 1%)
 * per rollup row, so a month of minutes merges into any step without keeping
 * the raw durations. Every quantile it answers is within 1% of the true value.
 */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

export type LatencySketch = DDSketch;

export function newSketch(): LatencySketch {
  return new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });
}

export function encodeSketch(sketch: LatencySketch): Buffer {
  const bytes = sketch.toProto();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeSketch(bytes: Uint8Array): LatencySketch {
  return DDSketch.fromProto(bytes) as LatencySketch;
}

/** The value at quantile `q` (0..1), or null when the sketch is empty. */
export function quantile(sketch: LatencySketch, q: number): number | null {
  if (sketch.count === 0) return null;
  return Math.max(0, sketch.getValueAtQuantile(q));
}
