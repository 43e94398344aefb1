import { ProviderError } from './provider-error';

/**
 * Checks a provider's embeddings before anyone keeps them (the response cache,
 * an index): a null, a string or a value past float32's range becomes NaN or
 * Infinity in the index, and an all-zero vector has no cosine similarity to
 * anything, so either would come back as a null score. Every vector of one
 * call has the same length. `first` is the input number of `rows[0]` (from 1).
 * Returns the dimension.
 */
export function checkEmbeddings(provider: string, model: string, rows: unknown[][], first: number, dimensions?: number): number {
  const where = `${provider}: ${model} returned`;
  let dims = dimensions;
  rows.forEach((row, r) => {
    dims ??= row.length;
    if (row.length !== dims) throw new ProviderError(provider, `${where} embeddings of ${dims} and ${row.length} dimensions`);
    let zero = true;
    row.forEach((value, i) => {
      if (typeof value !== 'number' || !Number.isFinite(Math.fround(value))) {
        throw new ProviderError(provider, `${where} an embedding with a value that is not a number (input ${first + r}, position ${i + 1})`);
      }
      if (value !== 0) zero = false;
    });
    if (zero) throw new ProviderError(provider, `${where} an all-zero embedding for input ${first + r}: it has no direction to compare by cosine`);
  });
  return dims ?? 0;
}
