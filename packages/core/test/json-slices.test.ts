import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinSlices, sliceJson } from '../src/node/json-thread/json-slices';

const noTurn = () => Promise.resolve();

describe('sliceJson and joinSlices', () => {
  it('put any JSON value back as it was, however small the batches', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.integer({ min: 1, max: 40 }), async (value, batchChars) => {
        // As it arrives: fresh from JSON.parse (sliceJson empties what it cuts out).
        const text = JSON.stringify(value);
        const slices = sliceJson(JSON.parse(text), batchChars);
        expect(JSON.stringify(await joinSlices(slices, noTurn))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('cuts a long array between its elements and a long string whole, leaving a short head', async () => {
    const cases = Array.from({ length: 5000 }, (_, i) => ({ id: `c${i}`, input: { q: `question ${i}` } }));
    const body = { name: 'big', cases, note: 'x'.repeat(100_000), documents: [{ id: 'a', text: 'y'.repeat(100_000) }] };
    const slices = sliceJson(JSON.parse(JSON.stringify(body)));
    expect(slices.head.length).toBeLessThan(200);
    expect(slices.arrays.map((a) => a.path)).toEqual([['cases']]);
    expect(slices.arrays[0].batches.length).toBeGreaterThan(1);
    expect(slices.strings.map((s) => s.path).sort()).toEqual([['documents', '0', 'text'], ['note']]);
    let turns = 0;
    const joined = await joinSlices(slices, async () => void turns++);
    expect(joined).toEqual(body);
    // A turn before each batch: the main thread parses one batch at a time.
    expect(turns).toBe(slices.arrays[0].batches.length);
  });

  it('cuts a long array at the root', async () => {
    const cases = Array.from({ length: 3000 }, (_, i) => ({ id: `c${i}` }));
    const slices = sliceJson(JSON.parse(JSON.stringify(cases)), 1000);
    expect(slices.head).toBe('[]');
    expect(await joinSlices(slices, noTurn)).toEqual(cases);
  });
});
