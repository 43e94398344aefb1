import { createRng } from './prng';
import { runSteps, type Steps } from './steps';

export interface BootstrapOptions {
  /** Resamples drawn (default 2,000, or 1,000 from 1,000 values up). */
  resamples?: number;
  seed?: string | number;
  /** Two-sided coverage, 0.95 by default. */
  level?: number;
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return values.length ? sum / values.length : NaN;
}

/** Quantile by linear interpolation between order statistics (R's type 7). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Percentile bootstrap interval of the mean, seeded. Null for no values.
 * Paired comparisons call this on the per-case differences (a paired bootstrap).
 */
export function bootstrapMeanInterval(values: ArrayLike<number>, options: BootstrapOptions = {}): [number, number] | null {
  return runSteps(bootstrapMeanIntervalSteps(values, options));
}

/** bootstrapMeanInterval as steps (see runStepsSliced): yields after each resample. */
export function* bootstrapMeanIntervalSteps(values: ArrayLike<number>, options: BootstrapOptions = {}): Steps<[number, number] | null> {
  const n = values.length;
  if (n === 0) return null;
  // 2,000 draws; 1,000 from 1,000 values up, where the interval is narrow and the draws would dominate a run's time.
  const resamples = options.resamples ?? (n >= 1000 ? 1000 : 2000);
  const level = options.level ?? 0.95;
  const data = Float64Array.from(values as ArrayLike<number>);
  // Every resample of a constant sample has that mean: the interval is exact without drawing.
  if (data.every((v) => v === data[0])) return [data[0], data[0]];
  const rng = createRng(options.seed ?? 'patchbay');
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += data[(rng() * n) | 0];
    means[r] = sum / n;
    yield n;
  }
  means.sort();
  const alpha = (1 - level) / 2;
  return [quantile(means, alpha), quantile(means, 1 - alpha)];
}

/** Paired bootstrap interval of mean(current − baseline) over pairs. */
export function pairedBootstrapInterval(
  baseline: ArrayLike<number>,
  current: ArrayLike<number>,
  options: BootstrapOptions = {},
): [number, number] | null {
  return runSteps(pairedBootstrapIntervalSteps(baseline, current, options));
}

export function* pairedBootstrapIntervalSteps(
  baseline: ArrayLike<number>,
  current: ArrayLike<number>,
  options: BootstrapOptions = {},
): Steps<[number, number] | null> {
  if (baseline.length !== current.length) throw new Error('paired samples must have the same length');
  const diffs = new Float64Array(baseline.length);
  for (let i = 0; i < diffs.length; i++) diffs[i] = current[i] - baseline[i];
  return yield* bootstrapMeanIntervalSteps(diffs, options);
}
