import { describe, expect, it } from 'vitest';
import { chunkText } from '../src/node/retrieval/chunk';
import { reciprocalRankFusion } from '../src/node/retrieval/fusion';
import { ftsQuery } from '../src/node/retrieval/fts-query';

const words = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(' ');

describe('chunkText', () => {
  it('keeps a short document whole and packs small paragraphs together', () => {
    expect(chunkText('One.\n\nTwo.\n\n\nThree.', { chunkSize: 100, overlap: 0 })).toEqual(['One.\n\nTwo.\n\nThree.']);
  });

  it('starts a new chunk at a paragraph border when the next paragraph does not fit', () => {
    const a = words(12, 'a'); // 12 words ≈ 35 chars
    const b = words(12, 'b');
    const chunks = chunkText(`${a}\n\n${b}`, { chunkSize: 60, overlap: 0 });
    expect(chunks).toEqual([a, b]);
  });

  it('never exceeds the size limit, cuts long paragraphs at spaces and repeats the overlap', () => {
    const text = `${words(200, 'w')}\n\n${words(50, 'x')}`;
    const chunks = chunkText(text, { chunkSize: 120, overlap: 30 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(120);
      // cut at spaces: every token is a whole word of the source
      for (const token of c.split(/\s+/)) expect(token).toMatch(/^[wx]\d+$/);
    }
    for (let i = 1; i < chunks.length; i++) {
      const head = chunks[i].split('\n\n')[0];
      expect(head.length).toBeGreaterThan(0);
      expect(head.length).toBeLessThanOrEqual(30);
      expect(chunks[i - 1].endsWith(head)).toBe(true);
    }
    // nothing is lost: every word of the source appears in some chunk
    const seen = new Set(chunks.flatMap((c) => c.split(/\s+/)));
    for (const w of text.split(/\s+/)) expect(seen.has(w)).toBe(true);
  });

  it('rejects an overlap that is not smaller than half the chunk size', () => {
    expect(() => chunkText('x', { chunkSize: 100, overlap: 50 })).toThrow(/overlap/);
    expect(() => chunkText('x', { chunkSize: 5 })).toThrow(/chunkSize/);
  });
});

describe('ftsQuery', () => {
  it('turns any text into quoted OR-ed terms, and nothing into null', () => {
    expect(ftsQuery('Refund AND "NEAR(x" -shipping*')).toBe('"refund" OR "and" OR "near" OR "x" OR "shipping"');
    expect(ftsQuery(' ?! ')).toBeNull();
  });
});

describe('reciprocalRankFusion', () => {
  it('puts an item both lists rank well above one ranked first by only one list', () => {
    const fused = reciprocalRankFusion([['a', 'b', 'c'], ['d', 'b', 'a']], (x) => x);
    expect(fused.map((f) => f.item)).toEqual(['a', 'b', 'd', 'c']);
    expect(fused[0].score).toBeCloseTo(1 / 61 + 1 / 63);
    expect(fused[1].score).toBeCloseTo(2 / 62);
  });
});
