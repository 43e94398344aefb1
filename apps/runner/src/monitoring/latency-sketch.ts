import { DDSketch } from '@datadog/sketches-js';

/**
 * Latency percentiles that merge: a DDSketch (Datadog's, relative accuracy 1%)
 * per rollup row, so a month of minutes merges into any step without keeping
 * the raw durations. Every quantile it answers is within 1% of the true value.
 */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

export type LatencySketch = DDSketch;
type Store = DDSketch['store'];

export function newSketch(): LatencySketch {
  return new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });
}

const HEADER = 7 * 8;
const PAIR = 4 + 8;

function nonZeroBins(store: Store): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < store.bins.length; i++) if (store.bins[i] > 0) pairs.push([i + store.offset, store.bins[i]]);
  return pairs;
}

/**
 * The sketch's non-empty bins as (key, weight) pairs plus its totals. The
 * library's own `toProto` writes every dense bin through protobufjs, which costs
 * ~100× more per rollup row than these few bytes, and a month's query decodes
 * thousands of rows. Keys come from the sketch's own mapping, so decoding with
 * the same relative accuracy gives back the same sketch.
 */
export function encodeSketch(sketch: LatencySketch): Buffer {
  const positive = nonZeroBins(sketch.store);
  const negative = nonZeroBins(sketch.negativeStore);
  const buffer = Buffer.allocUnsafe(HEADER + (positive.length + negative.length) * PAIR);
  let at = 0;
  for (const value of [sketch.count, sketch.sum, sketch.min, sketch.max, sketch.zeroCount, positive.length, negative.length]) at = buffer.writeDoubleLE(value, at);
  for (const [key, weight] of [...positive, ...negative]) {
    at = buffer.writeInt32LE(key, at);
    at = buffer.writeDoubleLE(weight, at);
  }
  return buffer;
}

export function decodeSketch(bytes: Uint8Array): LatencySketch {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sketch = newSketch();
  const header = Array.from({ length: 7 }, (_, i) => buffer.readDoubleLE(i * 8));
  const [count, sum, min, max, zeroCount, positive, negative] = header;
  let at = HEADER;
  // Size each store once for its key range (pairs are written in key order), instead of growing it per key.
  if (positive > 0) sketch.store._extendRange(buffer.readInt32LE(at), buffer.readInt32LE(at + (positive - 1) * PAIR));
  if (negative > 0) sketch.negativeStore._extendRange(buffer.readInt32LE(at + positive * PAIR), buffer.readInt32LE(at + (positive + negative - 1) * PAIR));
  for (let i = 0; i < positive + negative; i++) {
    const key = buffer.readInt32LE(at);
    const weight = buffer.readDoubleLE(at + 4);
    at += PAIR;
    (i < positive ? sketch.store : sketch.negativeStore).add(key, weight);
  }
  sketch.count = count;
  sketch.sum = sum;
  sketch.min = min;
  sketch.max = max;
  sketch.zeroCount = zeroCount;
  return sketch;
}

/**
 * Adds encoded sketches up without building a DDSketch per row: a query over a
 * month reads thousands of rollup rows but answers a few hundred points, so it
 * sums bin weights per point and builds one sketch per point (`toSketch`).
 */
export class SketchAccumulator {
  private count = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;
  private zeroCount = 0;
  private readonly positive = new Map<number, number>();
  private readonly negative = new Map<number, number>();

  addEncoded(bytes: Uint8Array): void {
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.count += buffer.readDoubleLE(0);
    this.sum += buffer.readDoubleLE(8);
    this.min = Math.min(this.min, buffer.readDoubleLE(16));
    this.max = Math.max(this.max, buffer.readDoubleLE(24));
    this.zeroCount += buffer.readDoubleLE(32);
    const positive = buffer.readDoubleLE(40);
    const pairs = positive + buffer.readDoubleLE(48);
    for (let i = 0, at = HEADER; i < pairs; i++, at += PAIR) {
      const bins = i < positive ? this.positive : this.negative;
      const key = buffer.readInt32LE(at);
      bins.set(key, (bins.get(key) ?? 0) + buffer.readDoubleLE(at + 4));
    }
  }

  toSketch(): LatencySketch {
    const sketch = newSketch();
    for (const [store, bins] of [[sketch.store, this.positive], [sketch.negativeStore, this.negative]] as const) {
      if (bins.size === 0) continue;
      const keys = [...bins.keys()];
      store._extendRange(Math.min(...keys), Math.max(...keys));
      for (const [key, weight] of bins) store.add(key, weight);
    }
    sketch.count = this.count;
    sketch.sum = this.sum;
    sketch.min = this.min;
    sketch.max = this.max;
    sketch.zeroCount = this.zeroCount;
    return sketch;
  }
}

/** The value at quantile `q` (0..1), or null when the sketch is empty. */
export function quantile(sketch: LatencySketch, q: number): number | null {
  if (sketch.count === 0) return null;
  return Math.max(0, sketch.getValueAtQuantile(q));
}
