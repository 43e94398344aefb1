import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '../src/node/regexp-fallback';
import { compileLinearPattern, planLinear } from '../src/nodes/linear-pattern';

const LINEAR_PATTERN = fileURLToPath(new URL('../src/nodes/linear-pattern.ts', import.meta.url));
const FALLBACK = fileURLToPath(new URL('../src/node/regexp-fallback.ts', import.meta.url));

describe('planLinear: the engine each pattern users write runs on', () => {
  it("keeps on V8 what its linear-time engine takes, gives RE2 what it does not, and refuses what neither runs", () => {
    const cases: Array<[string, string, 'v8' | 're2' | 'none']> = [
      ['^(a+)+$', '', 'v8'],
      ['^(a+)+$', 'gmsy', 'v8'],
      ['^(a+)+$', 'd', 'v8'], // d only adds indices, which a test never reads
      ['(?<year>\\d{4})-\\d\\d', '', 'v8'],
      ['^(a+)+$', 'i', 're2'],
      ['^(a+)+$', 'u', 're2'],
      ['^(a+){1,40}$', '', 're2'],
      ['(?<=\\$)\\d+', '', 're2'],
      ['(?<!not )sure', 'i', 're2'],
      ['^(a|a)+\\1$', '', 'none'],
      ['(?<w>a)\\k<w>', '', 'none'], // re2js would read it as the letters "k<w>"
      ['\\\\k<w>', 'i', 're2'], // a backslash, then the letters
      ['\\d+(?= EUR)', '', 'none'],
      ['^(?!.*sorry)', 'i', 'none'],
      ['(?<=(a))b', '', 'none'],
      ['[\\p{L}--[a-z]]', 'v', 'none'],
    ];
    for (const [source, flags, engine] of cases) expect(planLinear(source, flags).engine, `/${source}/${flags}`).toBe(engine);
    expect(planLinear('(?<w>a)\\k<w>', 'i')).toEqual({ engine: 'none', problem: 'the pattern /(?<w>a)\\k<w>/ has a backreference (\\k<w>), which no linear-time engine runs and which can take minutes on some texts; write it without one' });
    expect(compileLinearPattern('\\\\k<w>', 'i').test('\\K<W>')).toBe(true);
  });

  it('tests text built to trip each engine without holding the thread, with the results JavaScript gives', () => {
    // 2^40 backtracking steps for any of these on V8's backtracking engine: the test would never end.
    const trap = `${'a'.repeat(40)}!`;
    for (const [source, flags] of [['^(a+)+$', ''], ['^(a+)+$', 'i'], ['^(a+){1,40}$', ''], ['^(?:(?<=a)a+)+$', '']]) {
      const tester = compileLinearPattern(source, flags);
      expect(tester.test(trap), `/${source}/${flags}`).toBe(false);
      expect(tester.test('a'.repeat(40)), `/${source}/${flags}`).toBe(new RegExp(source, flags).test('a'.repeat(40)));
    }
  });

  it('plans RE2 for every pattern in a process without the V8 flags (the browser, a script that skips @patchbay/core/node), never V8 unguarded', () => {
    // Whether V8 takes a pattern is asked with the flag `l`, which compiles only where regexp-fallback set both flags.
    const script = (withFlags: boolean) => `
      ${withFlags ? `await import(${JSON.stringify(FALLBACK)});` : ''}
      const { planLinear } = await import(${JSON.stringify(LINEAR_PATTERN)});
      process.stdout.write(planLinear('^(a+)+$', '').engine);`;
    const run = (withFlags: boolean) => spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(withFlags)], { encoding: 'utf8' });
    const [without, withThem] = [run(false), run(true)];
    expect(without.stderr).toBe('');
    expect(without.stdout).toBe('re2');
    expect(withThem.stdout).toBe('v8');
  });
});
