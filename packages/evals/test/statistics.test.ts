import { describe, expect, it } from 'vitest';
import {
  bootstrapMeanInterval,
  createRng,
  exactMcNemar,
  pairedBootstrapInterval,
  passAtK,
  passHatK,
  signFlipTest,
  wilsonInterval,
} from '../src/statistics/index';

describe('exact McNemar', () => {
  it('gives p = 0.021484375 for 1 and 9 discordant pairs (2 · 11/1024)', () => {
    expect(exactMcNemar(1, 9)).toBe(0.021484375);
    expect(exactMcNemar(9, 1)).toBe(0.021484375);
  });

  it('is 1 with no discordant pairs or an even split, and never above 1', () => {
    expect(exactMcNemar(0, 0)).toBe(1);
    expect(exactMcNemar(5, 5)).toBe(1);
    expect(exactMcNemar(3, 4)).toBe(1);
  });

  it('matches hand-worked values: 0 vs 5 → 2/32, 2 vs 8 → 2·56/1024', () => {
    expect(exactMcNemar(0, 5)).toBe(0.0625);
    expect(exactMcNemar(2, 8)).toBeCloseTo((2 * (1 + 10 + 45)) / 1024, 15);
  });

  it('stays finite past 2^1000 (log space)', () => {
    const p = exactMcNemar(600, 700);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(0.01);
    expect(exactMcNemar(700, 700)).toBeCloseTo(1, 6);
  });
});

describe('Wilson interval', () => {
  it('of 8/10 is about [0.4902, 0.9433]', () => {
    const [lo, hi] = wilsonInterval(8, 10);
    expect(lo).toBeCloseTo(0.4902, 4);
    expect(hi).toBeCloseTo(0.9433, 4);
  });

  it('stays inside [0, 1] at 0/n and n/n', () => {
    const [lo0, hi0] = wilsonInterval(0, 10);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.2775, 4);
    const [lo1, hi1] = wilsonInterval(10, 10);
    expect(lo1).toBeCloseTo(0.7225, 4);
    expect(hi1).toBe(1);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });
});

describe('seeded bootstrap', () => {
  const values = [0.1, 0.9, 0.4, 0.7, 0.3, 1, 0, 0.55, 0.62, 0.8];

  it('gives the same interval for the same inputs and seed', () => {
    const a = bootstrapMeanInterval(values, { seed: 's1' });
    const b = bootstrapMeanInterval([...values], { seed: 's1' });
    expect(a).toEqual(b);
  });

  it('moves with the seed but stays around the mean', () => {
    const a = bootstrapMeanInterval(values, { seed: 's1' })!;
    const b = bootstrapMeanInterval(values, { seed: 's2' })!;
    expect(a).not.toEqual(b);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    for (const [lo, hi] of [a, b]) {
      expect(lo).toBeLessThan(mean);
      expect(hi).toBeGreaterThan(mean);
      expect(lo).toBeGreaterThan(0.2);
      expect(hi).toBeLessThan(0.8);
    }
  });

  it('collapses on constant values and is null without values', () => {
    expect(bootstrapMeanInterval([0.5, 0.5, 0.5], { seed: 1 })).toEqual([0.5, 0.5]);
    expect(bootstrapMeanInterval([], { seed: 1 })).toBeNull();
  });

  it('pairs: a constant improvement of 0.2 gives the interval [0.2, 0.2]', () => {
    const base = [0.1, 0.5, 0.3, 0.6];
    const [lo, hi] = pairedBootstrapInterval(base, base.map((v) => v + 0.2), { seed: 'x' })!;
    expect(lo).toBeCloseTo(0.2, 12);
    expect(hi).toBeCloseTo(0.2, 12);
  });

  it('a seeded generator repeats its sequence', () => {
    const a = createRng('seed');
    const b = createRng('seed');
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('sign-flip permutation test', () => {
  it('is exact for small n: 5 positive differences of 1 → 2/32', () => {
    const r = signFlipTest([1, 1, 1, 1, 1]);
    expect(r.exact).toBe(true);
    expect(r.pValue).toBe(0.0625);
  });

  it('hand-worked: diffs [3, 1, -1] (sum 3) → 6 of the 8 sign patterns reach |sum| ≥ 3', () => {
    // ±3 ±1 ±1 sums to 5, 3, 3, 1, -1, -3, -3, -5
    expect(signFlipTest([3, 1, -1]).pValue).toBe(6 / 8);
  });

  it('drops zero differences and gives 1 when nothing changed', () => {
    expect(signFlipTest([0, 0, 0]).pValue).toBe(1);
    expect(signFlipTest([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]).pValue).toBe(0.0625);
  });

  it('is seeded Monte Carlo above 20 pairs: reproducible, and small for a consistent shift', () => {
    const diffs = Array.from({ length: 40 }, (_, i) => 0.1 + (i % 3) * 0.01);
    const a = signFlipTest(diffs, { seed: 'k' });
    const b = signFlipTest(diffs, { seed: 'k' });
    expect(a.exact).toBe(false);
    expect(a).toEqual(b);
    expect(a.pValue).toBeLessThan(0.001);
    const noise = Array.from({ length: 40 }, (_, i) => (i % 2 ? 0.1 : -0.1));
    expect(signFlipTest(noise, { seed: 'k' }).pValue).toBeGreaterThan(0.5);
  });
});

describe('pass@k and pass^k', () => {
  it('hand-worked for n = 3 attempts', () => {
    expect(passAtK(3, 0, 3)).toBe(0);
    expect(passAtK(3, 1, 3)).toBe(1);
    expect(passHatK(3, 2, 3)).toBe(0);
    expect(passHatK(3, 3, 3)).toBe(1);
    // 1 − C(2,2)/C(4,2) = 1 − 1/6
    expect(passAtK(4, 2, 2)).toBeCloseTo(5 / 6, 12);
    // C(2,2)/C(4,2) = 1/6
    expect(passHatK(4, 2, 2)).toBeCloseTo(1 / 6, 12);
    expect(passAtK(5, 2, 1)).toBeCloseTo(0.4, 12);
  });
});
