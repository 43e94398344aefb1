import { describe, expect, it } from 'vitest';
import { routerNode } from '../../src/nodes/router';
import { parsed, runNode, testContext } from './in-memory-services';

const config = {
  routes: [
    { port: 'large', when: '$.amount > 100' },
    { port: 'vip', when: '$.customer.tier = "gold"' },
    { port: 'tagged', when: '$.tags' },
  ],
};

describe('router node', () => {
  it('has one output per route plus default', () => {
    expect(routerNode.outputs(parsed(routerNode, config)).map((p) => p.name)).toEqual(['large', 'vip', 'tagged', 'default']);
    expect(routerNode.inputs(parsed(routerNode, config))).toEqual([{ name: 'value', type: 'any' }]);
  });

  it('sends the value down the first route whose condition holds, and only that one', async () => {
    const value = { amount: 500, customer: { tier: 'gold' } };
    expect(await runNode(routerNode, config, { value }, testContext())).toEqual({ large: value });
    const small = { amount: 5, customer: { tier: 'gold' } };
    expect(await runNode(routerNode, config, { value: small }, testContext())).toEqual({ vip: small });
  });

  it('falls back to default when no condition holds, with JSONata truthiness (empty array is false)', async () => {
    const value = { amount: 1, customer: { tier: 'silver' }, tags: [] };
    expect(await runNode(routerNode, config, { value }, testContext())).toEqual({ default: value });
    const tagged = { amount: 1, tags: ['x'] };
    expect(await runNode(routerNode, config, { value: tagged }, testContext())).toEqual({ tagged });
  });

  it('works on plain values: $ is the input itself', async () => {
    const byNumber = { routes: [{ port: 'big', when: '$ > 10' }] };
    expect(await runNode(routerNode, byNumber, { value: 11 }, testContext())).toEqual({ big: 11 });
    expect(await runNode(routerNode, byNumber, { value: 3 }, testContext())).toEqual({ default: 3 });
  });

  it('check() reports JSONata syntax errors, repeated ports and a route named default', () => {
    const issues = routerNode.check!(
      parsed(routerNode, {
        routes: [
          { port: 'a', when: '$.x >' },
          { port: 'a', when: 'true' },
          { port: 'default', when: 'true' },
        ],
      }),
    );
    expect(issues).toEqual([
      { path: ['routes', 1, 'port'], message: '"a" is used twice' },
      { path: ['routes', 2, 'port'], message: '"default" is reserved; choose another name' },
      { path: ['routes', 0, 'when'], message: expect.stringMatching(/^expression does not parse: .+ \(at character \d+\)$/) },
    ]);
    expect(routerNode.check!(parsed(routerNode, config))).toEqual([]);
  });

  it('fails with the expression\'s reason when it cannot be evaluated', async () => {
    await expect(runNode(routerNode, { routes: [{ port: 'a', when: '$.x + "text"' }] }, { value: { x: 1 } }, testContext())).rejects.toThrow(
      /^expression failed: /,
    );
  });

  it('fails with "expression failed" for a condition that evaluates to a function', async () => {
    await expect(runNode(routerNode, { routes: [{ port: 'a', when: 'function($v) { $v > 1 }' }] }, { value: 2 }, testContext())).rejects.toThrow(
      /^expression failed: the result is a function/,
    );
  });
});
