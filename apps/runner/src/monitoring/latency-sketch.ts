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

/** The first encoding: seven doubles, then (int32 key, double weight) pairs. Still read; written only for non-integer weights. */
const V1_HEADER = 7 * 8;
const V1_PAIR = 4 + 8;
/** The compact encoding's first byte. A v1 sketch starts with its count as a double, whose low byte is 0 for any whole count. */
const V2 = 2;

function nonZeroBins(store: Store): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < store.bins.length; i++) if (store.bins[i] > 0) pairs.push([i + store.offset, store.bins[i]]);
  return pairs;
}

/**
 * The sketch's non-empty bins plus its totals, compactly: the library's own
 * `toProto` writes every dense bin through protobufjs, ~100× the cost per
 * rollup row, and a month's query decodes thousands of rows. Bin weights are
 * whole counts, so they and the gaps between keys are LEB128 varints: an hour
 * of latencies is ~2-3 bytes a bin, small enough for SQLite to keep the row on
 * its b-tree page (a 2.4 KB blob spilled to overflow pages). Keys come from the
 * sketch's own mapping, so decoding with the same accuracy gives the same sketch.
 */
export function encodeSketch(sketch: LatencySketch): Buffer {
  const positive = nonZeroBins(sketch.store);
  const negative = nonZeroBins(sketch.negativeStore);
  const whole = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if (!whole(sketch.count) || !whole(sketch.zeroCount) || ![...positive, ...negative].every(([, w]) => whole(w))) return encodeV1(sketch, positive, negative);
  const out = new VarintWriter(1 + 3 * 8 + (positive.length + negative.length) * 4 + 40);
  out.byte(V2);
  out.double(sketch.sum);
  out.double(sketch.min);
  out.double(sketch.max);
  out.uint(sketch.count);
  out.uint(sketch.zeroCount);
  for (const bins of [positive, negative]) {
    out.uint(bins.length);
    let previous = 0;
    for (let i = 0; i < bins.length; i++) {
      const [key, weight] = bins[i];
      // The first key as a zigzag varint (it can be negative), then the gaps (always ≥ 1).
      out.uint(i === 0 ? (key < 0 ? -2 * key - 1 : 2 * key) : key - previous);
      out.uint(weight);
      previous = key;
    }
  }
  return out.done();
}

function encodeV1(sketch: LatencySketch, positive: [number, number][], negative: [number, number][]): Buffer {
  const buffer = Buffer.allocUnsafe(V1_HEADER + (positive.length + negative.length) * V1_PAIR);
  let at = 0;
  for (const value of [sketch.count, sketch.sum, sketch.min, sketch.max, sketch.zeroCount, positive.length, negative.length]) at = buffer.writeDoubleLE(value, at);
  for (const [key, weight] of [...positive, ...negative]) {
    at = buffer.writeInt32LE(key, at);
    at = buffer.writeDoubleLE(weight, at);
  }
  return buffer;
}

class VarintWriter {
  private buffer: Buffer;
  private at = 0;
  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }
  private room(n: number) {
    if (this.at + n <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + n));
    this.buffer.copy(bigger, 0, 0, this.at);
    this.buffer = bigger;
  }
  byte(b: number) {
    this.room(1);
    this.buffer[this.at++] = b;
  }
  double(d: number) {
    this.room(8);
    this.at = this.buffer.writeDoubleLE(d, this.at);
  }
  uint(n: number) {
    this.room(8);
    while (n >= 0x80) {
      this.buffer[this.at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buffer[this.at++] = n;
  }
  done(): Buffer {
    return this.buffer.subarray(0, this.at);
  }
}

const asBuffer = (bytes: Uint8Array) => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/**
 * Reads an encoded sketch (either encoding) into `into`: totals added, bins
 * added to its stores (each store's range grown once per sketch, not per key).
 */
function addEncodedTo(into: LatencySketch, bytes: Uint8Array): void {
  const buffer = asBuffer(bytes);
  if (buffer[0] === V2) return addV2(into, buffer);
  const [count, sum, min, max, zeroCount, positive, negative] = Array.from({ length: 7 }, (_, i) => buffer.readDoubleLE(i * 8));
  addTotals(into, count, sum, min, max, zeroCount);
  let at = V1_HEADER;
  for (const [store, n] of [[into.store, positive], [into.negativeStore, negative]] as const) {
    if (n === 0) continue;
    extend(store, buffer.readInt32LE(at), buffer.readInt32LE(at + (n - 1) * V1_PAIR));
    for (let i = 0; i < n; i++, at += V1_PAIR) store.add(buffer.readInt32LE(at), buffer.readDoubleLE(at + 4));
  }
}

function addV2(into: LatencySketch, buffer: Buffer): void {
  let at = 1;
  const uint = () => {
    let n = 0;
    let scale = 1;
    let b: number;
    do {
      b = buffer[at++];
      n += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b & 0x80);
    return n;
  };
  const sum = buffer.readDoubleLE(at);
  const min = buffer.readDoubleLE(at + 8);
  const max = buffer.readDoubleLE(at + 16);
  at += 24;
  const count = uint();
  addTotals(into, count, sum, min, max, uint());
  for (const store of [into.store, into.negativeStore]) {
    const n = uint();
    if (n === 0) continue;
    // Keys and weights are read into a scratch list first, so the store grows once to the row's key range.
    const keys = new Array<number>(n);
    const weights = new Array<number>(n);
    for (let i = 0, key = 0; i < n; i++) {
      const v = uint();
      key = i === 0 ? (v % 2 ? -(v + 1) / 2 : v / 2) : key + v;
      keys[i] = key;
      weights[i] = uint();
    }
    extend(store, keys[0], keys[n - 1]);
    for (let i = 0; i < n; i++) store.add(keys[i], weights[i]);
  }
}

function addTotals(into: LatencySketch, count: number, sum: number, min: number, max: number, zeroCount: number) {
  into.count += count;
  into.sum += sum;
  into.min = Math.min(into.min, min);
  into.max = Math.max(into.max, max);
  into.zeroCount += zeroCount;
}

/** Grows a store to hold keys `low..high` (the library's own range logic; `add` would otherwise grow it key by key). */
function extend(store: Store, low: number, high: number) {
  if (low < store.minKey || high > store.maxKey) store._extendRange(low, high);
}

export function decodeSketch(bytes: Uint8Array): LatencySketch {
  const sketch = newSketch();
  addEncodedTo(sketch, bytes);
  return sketch;
}

/**
 * Adds encoded sketches up into one sketch: a query over a month reads
 * thousands of rollup rows but answers a few hundred points, so each row's bins
 * are added straight into its point's sketch, with no sketch built per row.
 */
export class SketchAccumulator {
  private readonly sketch = newSketch();

  addEncoded(bytes: Uint8Array): void {
    addEncodedTo(this.sketch, bytes);
  }

  toSketch(): LatencySketch {
    return this.sketch;
  }
}

/** The value at quantile `q` (0..1), or null when the sketch is empty. */
export function quantile(sketch: LatencySketch, q: number): number | null {
  if (sketch.count === 0) return null;
  return Math.max(0, sketch.getValueAtQuantile(q));
}
