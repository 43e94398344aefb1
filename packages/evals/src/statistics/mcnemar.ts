/**
 * Exact McNemar test, two-sided: of the discordant pairs (`b` passed only in
 * the baseline, `c` only now), is the split further from 50/50 than chance
 * allows? p = min(1, 2 · P(X ≤ min(b, c))) with X ~ Binomial(b + c, ½).
 */
export function exactMcNemar(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  if (n <= 1000) {
    // Exact in integers: sum of C(n, i) for i ≤ k over 2^n.
    let term = 1n;
    let sum = 1n;
    for (let i = 1; i <= k; i++) {
      term = (term * BigInt(n - i + 1)) / BigInt(i);
      sum += term;
    }
    return Math.min(1, (2 * Number(sum)) / 2 ** n);
  }
  // Log space past 2^1000 (doubles overflow).
  let logTerm = -n * Math.LN2;
  let logSum = logTerm;
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log(n - i + 1) - Math.log(i);
    const hi = Math.max(logSum, logTerm);
    logSum = hi + Math.log(Math.exp(logSum - hi) + Math.exp(logTerm - hi));
  }
  return Math.min(1, 2 * Math.exp(logSum));
}
