/**
 * A parsed JSON value cut into pieces the main thread can take back one event-loop turn at a time.
 * Handing a big value from a worker thread by structured clone costs the receiving thread more than
 * JSON.parse of its text (measured: 64 ms to deserialize 60,000 small cases against 51 ms to parse
 * them), all in one turn. So the worker sends text: its long arrays as batches of elements of about
 * BATCH_CHARS each, its long strings as strings (copied, not parsed), and the rest (`head`, with an
 * empty array or string where those were) as one small text.
 */
export const BATCH_CHARS = 64 * 1024;

/** Where a piece goes: the keys (an array's index as text) from the root (`[]` is the root itself). */
export type SlicePath = string[];

export interface JsonSlices {
  head: string;
  /** Disjoint places: none lies inside another. */
  arrays: Array<{ path: SlicePath; batches: string[] }>;
  strings: Array<{ path: SlicePath; text: string }>;
}

/**
 * Cuts `value` (fresh from JSON.parse; it is changed: what is cut out is emptied). An array short
 * enough to stay whole goes in the head, a long one is cut between its elements, and one that is long
 * for one element is walked into. A `__proto__` key is left alone (a key path could not reach its value).
 */
export function sliceJson(value: unknown, batchChars = BATCH_CHARS): JsonSlices {
  const arrays: JsonSlices['arrays'] = [];
  const strings: JsonSlices['strings'] = [];
  const root: Record<string, unknown> = { value };
  const stack: Array<[holder: Record<string, unknown>, key: string, path: SlicePath]> = [[root, 'value', []]];
  while (stack.length > 0) {
    const [holder, key, path] = stack.pop()!;
    const v = holder[key];
    if (typeof v === 'string') {
      if (v.length <= batchChars) continue;
      strings.push({ path, text: v });
      holder[key] = '';
    } else if (Array.isArray(v)) {
      const batches = elementBatches(v, batchChars);
      if (batches.length > 1) {
        arrays.push({ path, batches });
        holder[key] = [];
      } else if (batches[0]?.length > batchChars) {
        // One long element (a document's text): what is long inside it is cut.
        for (let i = 0; i < v.length; i++) stack.push([v as unknown as Record<string, unknown>, String(i), [...path, String(i)]]);
      }
    } else if (v !== null && typeof v === 'object') {
      for (const inner of Object.keys(v)) if (inner !== '__proto__') stack.push([v as Record<string, unknown>, inner, [...path, inner]]);
    }
  }
  return { head: JSON.stringify(root.value), arrays, strings };
}

/** The elements as JSON array texts of about `batchChars` each. */
function elementBatches(array: unknown[], batchChars: number): string[] {
  const batches: string[] = [];
  let batch: string[] = [];
  let chars = 0;
  for (const element of array) {
    const text = JSON.stringify(element);
    batch.push(text);
    chars += text.length + 1;
    if (chars >= batchChars) {
      batches.push(`[${batch.join(',')}]`);
      batch = [];
      chars = 0;
    }
  }
  if (batch.length > 0) batches.push(`[${batch.join(',')}]`);
  return batches;
}

/** The value `sliceJson` cut, put back together with a turn of the event loop before each batch (`turn`). */
export async function joinSlices(slices: JsonSlices, turn: () => Promise<void>): Promise<unknown> {
  const root: Record<string, unknown> = { value: JSON.parse(slices.head) };
  const holderOf = (path: SlicePath): [Record<string, unknown>, string] => {
    let holder = root;
    let key = 'value';
    for (const next of path) {
      holder = holder[key] as Record<string, unknown>;
      key = next;
    }
    return [holder, key];
  };
  for (const { path, text } of slices.strings) {
    const [holder, key] = holderOf(path);
    holder[key] = text;
  }
  for (const { path, batches } of slices.arrays) {
    const [holder, key] = holderOf(path);
    const array = holder[key] as unknown[];
    for (const batch of batches) {
      await turn();
      for (const element of JSON.parse(batch) as unknown[]) array.push(element);
    }
  }
  return root.value;
}
