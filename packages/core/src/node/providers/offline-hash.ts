import { terms } from './offline-terms';

/** Dimension of `offline:hash` vectors. */
export const HASH_DIMENSION = 256;

/**
 * `offline:hash`: feature hashing of the text's terms (weight 1) and of their
 * character trigrams (weight 0.5, so "refund" and "refunds" stay close), signed
 * to keep unrelated texts near 0, then L2-normalised. Deterministic, no model.
 */
export function hashEmbedding(text: string, dimension = HASH_DIMENSION): number[] {
  const vector = new Array<number>(dimension).fill(0);
  const add = (feature: string, weight: number) => {
    const h = fnv1a(feature);
    vector[h % dimension] += h & 0x8000_0000 ? -weight : weight;
  };
  for (const term of terms(text)) {
    add(`w:${term}`, 1);
    const padded = `#${term}#`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, 0.5);
  }
  let norm = Math.hypot(...vector);
  if (norm === 0) {
    // no terms at all (empty or only stop words): a fixed unit vector, never NaN
    add('empty', 1);
    norm = Math.hypot(...vector);
  }
  return vector.map((x) => x / norm);
}

/** FNV-1a, 32 bits: small, fast and stable across runs and machines. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
