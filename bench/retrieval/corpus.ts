/**
 * A deterministic synthetic corpus: words built from syllables, drawn with a
 * Zipf-like distribution (a few very common words, a long tail), so keyword
 * queries hit postings lists of realistic, uneven lengths. Same seed, same
 * corpus and queries for every engine in the run.
 */

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'qui', 'dor', 'fen', 'gal', 'hu', 'jy', 'bri', 'cet', 'wun', 'xo'];
export const VOCABULARY_SIZE = 30_000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function vocabulary(): string[] {
  const words = new Set<string>();
  const random = mulberry32(7);
  while (words.size < VOCABULARY_SIZE) {
    const n = 2 + Math.floor(random() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

/** Zipf (s ≈ 1) sampling by inverse CDF over a precomputed cumulative table. */
function zipfSampler(n: number, random: () => number): () => number {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cumulative[i] = sum += 1 / (i + 1);
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export interface Corpus {
  chunks: Array<{ id: string; text: string }>;
  queries: string[];
}

export function buildCorpus(chunkCount: number, queryCount = 300): Corpus {
  const words = vocabulary();
  const random = mulberry32(42);
  const pick = zipfSampler(words.length, random);
  const chunks = new Array<{ id: string; text: string }>(chunkCount);
  for (let c = 0; c < chunkCount; c++) {
    const length = 30 + Math.floor(random() * 40);
    const out = new Array<string>(length);
    for (let i = 0; i < length; i++) out[i] = words[pick()];
    chunks[c] = { id: `c${c}`, text: out.join(' ') + '.' };
  }
  // Queries: 2–4 words; one taken from a random chunk (so most queries have a
  // hit), the rest from the vocabulary beyond the 50 most common words.
  const queries: string[] = [];
  for (let q = 0; q < queryCount; q++) {
    const source = chunks[Math.floor(random() * chunkCount)].text.split(' ');
    const terms = [source[Math.floor(random() * source.length)].replace('.', '')];
    const extra = 1 + Math.floor(random() * 3);
    for (let i = 0; i < extra; i++) terms.push(words[50 + Math.floor(random() * 5000)]);
    queries.push(terms.join(' '));
  }
  return { chunks, queries };
}
