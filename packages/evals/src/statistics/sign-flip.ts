import { createRng } from './prng';
import { runSteps, type Steps } from './steps';

export interface SignFlipOptions {
  seed?: string | number;
  /** Up to this many non-zero differences the test enumerates every sign pattern. */
  exactMaxN?: number;
  /** Monte Carlo draws past exactMaxN. */
  resamples?: number;
}

export interface SignFlipResult {
  pValue: number;
  exact: boolean;
}

/**
 * Paired sign-flip permutation test, two-sided, on the mean difference: under
 * "no change" each pair's difference is as likely to have the other sign, so
 * p is the share of sign patterns whose |sum| reaches the observed |sum|.
 * Zero differences carry no sign and are left out. Exact (all 2^n patterns,
 * Gray-code order so each step is one flip) for n ≤ 20; seeded Monte Carlo
 * with the (count + 1) / (draws + 1) correction above that.
 */
export function signFlipTest(diffs: ArrayLike<number>, options: SignFlipOptions = {}): SignFlipResult {
  return runSteps(signFlipTestSteps(diffs, options));
}

/** signFlipTest as steps (see runStepsSliced): yields after each Monte Carlo draw, and every 2^16 exact patterns. */
export function* signFlipTestSteps(diffs: ArrayLike<number>, options: SignFlipOptions = {}): Steps<SignFlipResult> {
  const d: number[] = [];
  let scale = 0;
  for (let i = 0; i < diffs.length; i++) {
    if (diffs[i] !== 0) d.push(diffs[i]);
    scale = Math.max(scale, Math.abs(diffs[i]));
  }
  const n = d.length;
  if (n === 0) return { pValue: 1, exact: true };
  let observed = 0;
  for (const x of d) observed += x;
  // Sums equal to the observed one up to rounding count as "as extreme".
  const threshold = Math.abs(observed) - 1e-9 * scale * n;

  if (n <= (options.exactMaxN ?? 20)) {
    const signs = new Int8Array(n).fill(1);
    let sum = observed;
    let count = Math.abs(sum) >= threshold ? 1 : 0;
    const total = 2 ** n;
    for (let step = 1; step < total; step++) {
      const bit = 31 - Math.clz32(step & -step);
      sum -= 2 * signs[bit] * d[bit];
      signs[bit] = -signs[bit];
      if (Math.abs(sum) >= threshold) count++;
      if ((step & 0xffff) === 0) yield 0x10000;
    }
    return { pValue: count / total, exact: true };
  }

  const rng = createRng(options.seed ?? 'patchbay');
  const draws = options.resamples ?? 10_000;
  let count = 0;
  for (let r = 0; r < draws; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += rng() < 0.5 ? -d[i] : d[i];
    if (Math.abs(sum) >= threshold) count++;
    yield n;
  }
  return { pValue: (count + 1) / (draws + 1), exact: false };
}
