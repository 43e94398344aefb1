import { describe, expect, it } from 'vitest';
import { mergeNode } from '../../src/nodes/merge';
import { parsed, runNode, testContext } from './in-memory-services';

describe('merge node', () => {
  it('has inputs a and b by default, runs despite skipped inputs, and gives value', () => {
    const config = parsed(mergeNode, {});
    expect(mergeNode.inputs(config).map((p) => p.name)).toEqual(['a', 'b']);
    expect(mergeNode.outputs(config)).toEqual([{ name: 'value', type: 'any' }]);
    expect(mergeNode.acceptsSkipped).toBe(true);
  });

  it('passes on the first input, in config order, whose branch ran', async () => {
    const config = { inputs: ['fast', 'careful', 'fallback'] };
    expect(await runNode(mergeNode, config, { careful: 'B', fallback: 'C' }, testContext())).toEqual({ value: 'B' });
    expect(await runNode(mergeNode, config, { fallback: 'C', fast: 'A' }, testContext())).toEqual({ value: 'A' });
    // a value that is present but falsy still counts as arrived
    expect(await runNode(mergeNode, config, { fast: 0, careful: 'B' }, testContext())).toEqual({ value: 0 });
  });

  it('check() reports an input listed twice; the schema refuses an empty list', () => {
    expect(mergeNode.check!(parsed(mergeNode, { inputs: ['a', 'b', 'b'] }))).toEqual([{ path: ['inputs', 2], message: '"b" is used twice' }]);
    expect(mergeNode.configSchema.safeParse({ inputs: [] }).success).toBe(false);
  });
});
