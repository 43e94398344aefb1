/**
 * Reciprocal rank fusion (Cormack et al., 2009): each list contributes
 * 1 / (k + rank) for every item it ranks, so an item ranked well by both keyword
 * and vector search beats one ranked first by only one of them, without having to
 * reconcile BM25 scores with cosine similarities.
 */

export const RRF_K = 60;

export function reciprocalRankFusion<T>(lists: T[][], key: (item: T) => string, k = RRF_K): Array<{ item: T; score: number }> {
  const fused = new Map<string, { item: T; score: number; best: number }>();
  for (const list of lists) {
    list.forEach((item, i) => {
      const id = key(item);
      const entry = fused.get(id) ?? { item, score: 0, best: Infinity };
      entry.score += 1 / (k + i + 1);
      entry.best = Math.min(entry.best, i);
      fused.set(id, entry);
    });
  }
  // Ties (same fused score) keep the better single-list rank first, so the order is stable.
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.best - b.best)
    .map(({ item, score }) => ({ item, score }));
}
