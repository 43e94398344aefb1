import { describe, expect, it } from 'vitest';
import { ExpressionPool } from '../../src/nodes/expression-pool';

/** A pool whose compiles are counted: each compile is a new object, so a lent one can be told from a new one. */
function countingPool() {
  const compiled: string[] = [];
  const pool = new ExpressionPool((source) => {
    compiled.push(source);
    return { source };
  });
  return { pool, compiled };
}

describe('ExpressionPool', () => {
  it("compiles each of a large pipeline's 200 expressions once over many runs, however many run at once", () => {
    const { pool, compiled } = countingPool();
    const sources = Array.from({ length: 200 }, (_, i) => `$uppercase($) & " ${i}"`);
    for (let run = 0; run < 5; run++) {
      // All of a run's transforms in flight at once (a fan-out), then all given back.
      const lent = sources.map((s) => [s, pool.take(s)] as const);
      for (const [s, e] of lent) {
        expect(e.source).toBe(s);
        pool.give(s, e);
      }
    }
    expect(compiled).toHaveLength(200);
    // 16 runs evaluating one source at once (a served pipeline under load): 16 compiled once, then lent again.
    const many = Array.from({ length: 16 }, () => pool.take('$count($)'));
    for (const e of many) pool.give('$count($)', e);
    const again = Array.from({ length: 16 }, () => pool.take('$count($)'));
    expect(new Set(again)).toEqual(new Set(many));
    expect(compiled.filter((s) => s === '$count($)')).toHaveLength(16);
  });

  it('keeps at most 512 idle expressions, the least recently used source given up first, and lends each to one caller at a time', () => {
    const { pool, compiled } = countingPool();
    for (let i = 0; i < 1_000; i++) pool.give(`s${i}`, pool.take(`s${i}`));
    expect(pool.size).toBe(512);
    // The newest are kept, the oldest compiled again.
    pool.take('s999');
    pool.take('s488');
    expect(compiled).toHaveLength(1_000);
    pool.take('s487');
    expect(compiled).toHaveLength(1_001);
    // Lent out, an expression is no one else's: a second caller gets another.
    const a = pool.take('x');
    const b = pool.take('x');
    expect(a).not.toBe(b);
  });
});
