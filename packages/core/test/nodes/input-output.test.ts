import { describe, expect, it } from 'vitest';
import { inputNode } from '../../src/nodes/input';
import { outputNode } from '../../src/nodes/output';
import { parsed, runNode, testContext } from './in-memory-services';

describe('input node', () => {
  it('has no inputs and one value output of its valueType (string by default)', () => {
    expect(inputNode.inputs(parsed(inputNode, { name: 'q' }))).toEqual([]);
    expect(inputNode.outputs(parsed(inputNode, { name: 'q' }))).toEqual([{ name: 'value', type: 'string' }]);
    expect(inputNode.outputs(parsed(inputNode, { name: 'n', valueType: 'number' }))).toEqual([{ name: 'value', type: 'number' }]);
  });

  it('gives the run input of its name, else its default, else fails naming the input', async () => {
    const ctx = { ...testContext(), pipelineInputs: { amount: 0 } };
    expect(await runNode(inputNode, { name: 'amount', valueType: 'number', default: 5 }, {}, ctx)).toEqual({ value: 0 });
    expect(await runNode(inputNode, { name: 'tone', default: 'polite' }, {}, ctx)).toEqual({ value: 'polite' });
    await expect(runNode(inputNode, { name: 'question' }, {}, ctx)).rejects.toThrow('input "question" was not given and has no default');
  });

  it("reads only the run's own inputs: one named like an Object property (constructor, toString) that was not given takes its default", async () => {
    const ctx = { ...testContext(), pipelineInputs: {} };
    expect(await runNode(inputNode, { name: 'constructor', default: 'made' }, {}, ctx)).toEqual({ value: 'made' });
    await expect(runNode(inputNode, { name: 'toString' }, {}, ctx)).rejects.toThrow('input "toString" was not given and has no default');
  });

  it('cannot be named __proto__, a key no request body may hold', () => {
    expect(inputNode.check!(parsed(inputNode, { name: '__proto__' }))).toEqual([
      { path: ['name'], message: '"__proto__" cannot name an input: no request may carry that key (it would set an object\'s prototype); choose another name' },
    ]);
  });

  it('needs a name and a known valueType', () => {
    expect(inputNode.configSchema.safeParse({}).success).toBe(false);
    expect(inputNode.configSchema.safeParse({ name: 'q', valueType: 'date' }).success).toBe(false);
  });
});

describe('output node', () => {
  it('takes any value on its value input and has no outputs', () => {
    const config = parsed(outputNode, { name: 'answer' });
    expect(outputNode.inputs(config)).toEqual([{ name: 'value', type: 'any' }]);
    expect(outputNode.outputs(config)).toEqual([]);
    expect(outputNode.configSchema.safeParse({}).success).toBe(false);
  });

  it('passes its value on for the engine to return under its name', async () => {
    expect(await runNode(outputNode, { name: 'answer' }, { value: { text: 'hi' } }, testContext())).toEqual({ value: { text: 'hi' } });
  });
});
