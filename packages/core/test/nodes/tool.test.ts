import { describe, expect, it } from 'vitest';
import { toolNode } from '../../src/nodes/tool';
import { parsed, runNode, testContext } from './in-memory-services';

describe('tool node', () => {
  it('takes one args input without parameters, one input per parameter with them', () => {
    expect(toolNode.inputs(parsed(toolNode, { tool: 'add' }))).toMatchObject([{ name: 'args', type: 'json' }]);
    expect(toolNode.inputs(parsed(toolNode, { tool: 'add', parameters: ['a', 'b'] })).map((p) => [p.name, p.type])).toEqual([
      ['a', 'any'],
      ['b', 'any'],
    ]);
    expect(toolNode.outputs(parsed(toolNode, { tool: 'add' }))).toEqual([{ name: 'result', type: 'json' }]);
  });

  it('calls the tool with the args object and returns its result', async () => {
    const ctx = testContext();
    const out = await runNode(toolNode, { tool: 'weather' }, { args: { city: 'Oslo' } }, ctx);
    expect(out.result).toEqual({ city: 'Oslo', forecast: 'snow' });
    expect(ctx.tools.calls).toEqual([{ name: 'weather', args: { city: 'Oslo' } }]);
  });

  it('assembles the arguments from parameter ports, leaving out the ones not given', async () => {
    const ctx = testContext();
    const out = await runNode(toolNode, { tool: 'add', parameters: ['a', 'b', 'note'] }, { a: 2, b: 40 }, ctx);
    expect(out.result).toBe(42);
    expect(ctx.tools.calls[0].args).toEqual({ a: 2, b: 40 });
  });

  it('reports the call in the trace', async () => {
    const ctx = testContext();
    await runNode(toolNode, { tool: 'add' }, { args: { a: 1, b: 2 } }, ctx);
    expect(ctx.reports).toEqual([{ call: expect.objectContaining({ kind: 'tool', name: 'add', input: { a: 1, b: 2 }, output: 3 }) }]);
  });

  it('fails naming the tool when it fails or refuses the arguments', async () => {
    const ctx = testContext();
    await expect(runNode(toolNode, { tool: 'fail' }, { args: {} }, ctx)).rejects.toThrow('tool "fail" failed: upstream unavailable');
    expect(ctx.reports[0].call).toMatchObject({ kind: 'tool', name: 'fail', error: 'upstream unavailable' });
    await expect(runNode(toolNode, { tool: 'add', parameters: ['a'] }, { a: 1 }, testContext())).rejects.toThrow(
      'tool "add" failed: add: missing argument b',
    );
    await expect(runNode(toolNode, { tool: 'nope' }, { args: {} }, testContext())).rejects.toThrow('unknown tool "nope"');
  });

  it('check() reports a parameter listed twice; the schema refuses names that cannot be ports', () => {
    expect(toolNode.check!(parsed(toolNode, { tool: 'add', parameters: ['a', 'b', 'a'] }))).toEqual([
      { path: ['parameters', 2], message: '"a" is used twice' },
    ]);
    expect(toolNode.configSchema.safeParse({ tool: 'add', parameters: ['a b'] }).success).toBe(false);
  });
});
