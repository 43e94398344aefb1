/**
 * pass@k: the chance that at least one of k attempts passes, estimated without
 * bias from n attempts with c passes (Chen et al. 2021): 1 − C(n−c, k) / C(n, k).
 */
export function passAtK(n: number, c: number, k: number): number {
  if (k > n || k <= 0) throw new Error(`pass@k needs 0 < k ≤ n (k=${k}, n=${n})`);
  if (n - c < k) return 1;
  let miss = 1;
  for (let i = n - c + 1; i <= n; i++) miss *= 1 - k / i;
  return 1 - miss;
}

/** pass^k: the chance that all k attempts pass: C(c, k) / C(n, k). */
export function passHatK(n: number, c: number, k: number): number {
  if (k > n || k <= 0) throw new Error(`pass^k needs 0 < k ≤ n (k=${k}, n=${n})`);
  if (c < k) return 0;
  let all = 1;
  for (let i = 0; i < k; i++) all *= (c - i) / (n - i);
  return all;
}
