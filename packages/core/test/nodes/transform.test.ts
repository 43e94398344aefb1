import { describe, expect, it } from 'vitest';
import { transformNode } from '../../src/nodes/transform';
import { runNode, testContext } from './in-memory-services';

const order = { items: [{ name: 'pen', price: 2 }, { name: 'lamp', price: 30 }, { name: 'desk', price: 120 }] };

describe('transform node', () => {
  it('evaluates JSONata with the input as $', async () => {
    expect(await runNode(transformNode, { expression: '$.items[price > 10].name' }, { value: order }, testContext())).toEqual({
      value: ['lamp', 'desk'],
    });
    expect(await runNode(transformNode, { expression: '$sum(items.price)' }, { value: order }, testContext())).toEqual({ value: 152 });
    expect(await runNode(transformNode, { expression: '{"n": $count($), "first": $[0]}' }, { value: [5, 6] }, testContext())).toEqual({
      value: { n: 2, first: 5 },
    });
  });

  it('fails with "expression failed" when the result is a function, wherever it sits', async () => {
    for (const expression of ['function($x) { $x * 2 }', '$string', '{"f": function($x) { $x }}', '[1, $uppercase]']) {
      await expect(runNode(transformNode, { expression }, { value: 1 }, testContext()), expression).rejects.toThrow(/^expression failed: .*is a function, not a value/);
    }
    // Calling it is fine.
    expect(await runNode(transformNode, { expression: '(function($x) { $x * 2 })($)' }, { value: 4 }, testContext())).toEqual({ value: 8 });
  });

  it('gives null when the expression finds nothing', async () => {
    expect(await runNode(transformNode, { expression: '$.missing' }, { value: order }, testContext())).toEqual({ value: null });
  });

  it('check() reports parse errors at the expression', () => {
    expect(transformNode.check!({ expression: '$.items[' })).toEqual([
      { path: ['expression'], message: expect.stringMatching(/^expression does not parse: /) },
    ]);
    expect(transformNode.check!({ expression: '$.items' })).toEqual([]);
  });

  it('check() refuses a regex with a backreference or a lookahead: no engine runs one in linear time', () => {
    // (a|a)+\\1$ on 40 "a"s and a "!" held the runner's event loop for 186 s: JSONata's time limit is checked
    // between its steps, never inside one regex match.
    for (const [expression, what] of [['$contains($, /(a|a)+\\1$/)', 'a backreference'], ['$match($, /x(?=y)/i)', 'a lookahead'], ['$split($, /x(?!a)b/)', 'a lookahead']]) {
      expect(transformNode.check!({ expression }), expression).toEqual([
        { path: ['expression'], message: expect.stringMatching(new RegExp(`^expression cannot be run safely: the pattern /.+/ has ${what} \\(\\S+\\), which no linear-time engine runs and which can take minutes on some texts; write it without one$`)) },
      ]);
    }
    expect(transformNode.check!({ expression: '$contains($, /(?<=(a))b/)' })).toEqual([
      { path: ['expression'], message: 'expression cannot be run safely: the pattern /(?<=(a))b/ has a capturing group in a lookbehind, which no linear-time engine runs and which can take minutes on some texts; make it (?:…)' },
    ]);
    expect(transformNode.check!({ expression: '$replace($, /(\\w+)@(\\w+)/i, "$2")' })).toEqual([]);
  });

  it('runs a lookbehind without a capturing group, and a repeat V8 cannot run in linear time, on RE2 with JavaScript\'s results', async () => {
    const run = async (expression: string, value: string) => (await runNode(transformNode, { expression }, { value }, testContext())).value;
    expect(transformNode.check!({ expression: '$split($, /(?<!a)b/)' })).toEqual([]);
    expect(await run('$split($, /(?<!a)b/)', 'abcbd')).toEqual(['abc', 'd']);
    expect(await run('$match($, /(?<=\\$)\\d+/)', 'cost $42 or 7')).toEqual({ match: '42', index: 6, groups: [] });
    // {1,40} over a group: 2^40 steps on V8's backtracking engine for 40 "a"s and a "!".
    expect(await run('$contains($, /^(a+){1,40}$/)', `${'a'.repeat(40)}!`)).toBe(false);
    expect(await run('$match($, /^(a+){1,40}$/)', 'aaa')).toEqual({ match: 'aaa', index: 0, groups: ['aaa'] });
  });

  it('matches case-insensitive patterns (RE2) as JavaScript does: groups, positions after an emoji, every match', async () => {
    const text = '😀 Hello WORLD, hello there';
    const run = async (expression: string) => (await runNode(transformNode, { expression }, { value: text }, testContext())).value;
    expect(await run('$match($, /(hel)(x)?lo/i)')).toEqual([
      { match: 'Hello', index: 3, groups: ['Hel', null] },
      { match: 'hello', index: 16, groups: ['hel', null] },
    ]);
    expect(await run('$replace($, /o\\b/i, "0")')).toBe('😀 Hell0 WORLD, hell0 there');
    expect(await run('$split($, /\\s*,\\s*/i)')).toEqual(['😀 Hello WORLD', 'hello there']);
    expect(await run('$contains($, /^😀 h/im)')).toBe(true);
    await expect(run('$replace($, /l*/i, "-")')).rejects.toThrow('expression failed: Regular expression matches zero length string (at character 9)');
  });

  it('stops runaway recursion and endless loops instead of hanging the run', async () => {
    const deep = '($f := function($n) { 1 + $f($n + 1) }; $f(0))';
    await expect(runNode(transformNode, { expression: deep }, { value: null }, testContext())).rejects.toThrow(
      /^expression failed: Stack overflow/,
    );
    // tail calls do not grow the stack: the time limit (1 s) ends this one
    const endless = '($f := function($n) { $f($n + 1) }; $f(0))';
    await expect(runNode(transformNode, { expression: endless }, { value: null }, testContext())).rejects.toThrow(
      /^expression failed: Evaluation timeout after 1000 milliseconds/,
    );
  });

  it("stops at the node's deadline (its timeoutMs) when that comes before JSONata's own 1 s limit", async () => {
    const endless = '($f := function($n) { $f($n + 1) }; $f(0))';
    const ctx = { ...testContext(), deadline: Date.now() + 50 };
    await expect(runNode(transformNode, { expression: endless }, { value: null }, ctx)).rejects.toThrow(
      "expression failed: ran past the node's timeoutMs",
    );
  });
  it('keeps each run of one expression to its own deadline when runs overlap, and runs it again after a failure', async () => {
    // the same source for both (compiled expressions are reused): a shared deadline would end them together
    const expression = '$ = "endless" ? ($f := function($n) { $f($n + 1) }; $f(0)) : "done: " & $';
    const settled: string[] = [];
    const soon = runNode(transformNode, { expression }, { value: 'endless' }, { ...testContext(), deadline: Date.now() + 50 }).catch((e: Error) => {
      settled.push('soon');
      throw e;
    });
    // 900 ms: a loaded machine would have to stall both for 850 ms to end them together (it was 350), and still
    // under JSONata's own 1 s, which cannot come first (it counts only time spent since the start).
    const later = runNode(transformNode, { expression }, { value: 'endless' }, { ...testContext(), deadline: Date.now() + 900 }).catch((e: Error) => {
      settled.push('later');
      throw e;
    });
    await expect(soon).rejects.toThrow("expression failed: ran past the node's timeoutMs");
    await expect(later).rejects.toThrow("expression failed: ran past the node's timeoutMs");
    expect(settled).toEqual(['soon', 'later']);
    // after both failed, the same expression still evaluates, with no deadline left over from them
    expect(await runNode(transformNode, { expression }, { value: 'x' }, testContext())).toEqual({ value: 'done: x' });
  });
});
