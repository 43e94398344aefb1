import { describe, expect, it } from 'vitest';
import { codeNode } from '../../src/nodes/code';
import { parsed, runNode, testContext } from './in-memory-services';

describe('code node', () => {
  it('runs the body as a function of value in the sandbox', async () => {
    expect(await runNode(codeNode, { code: 'return value * 3' }, { value: 14 }, testContext())).toEqual({ value: 42 });
    expect(
      await runNode(codeNode, { code: 'return value.filter((w) => w.length > 3).map((w) => w.toUpperCase())' }, { value: ['a', 'word', 'list'] }, testContext()),
    ).toEqual({ value: ['WORD', 'LIST'] });
  });

  it('has a 1000 ms limit by default and gives null for no return', async () => {
    expect(parsed(codeNode, { code: 'return 1' }).timeoutMs).toBe(1_000);
    expect(await runNode(codeNode, { code: 'const x = value' }, { value: 1 }, testContext())).toEqual({ value: null });
  });

  it('fails with the code\'s error, a timeout, or the memory limit', async () => {
    await expect(runNode(codeNode, { code: 'throw new Error("negative amount")' }, { value: -1 }, testContext())).rejects.toThrow(
      'code failed: negative amount',
    );
    await expect(runNode(codeNode, { code: 'while (true) {}', timeoutMs: 50 }, { value: 1 }, testContext())).rejects.toThrow(
      'code timed out after 50 ms',
    );
    await expect(runNode(codeNode, { code: "return 'x'.repeat(2 ** 28)", timeoutMs: 5_000 }, { value: 1 }, testContext())).rejects.toThrow(
      'code exceeded the memory limit',
    );
  });

  it("stops by the node's deadline (its timeoutMs) when that comes before the code's own limit", async () => {
    const ctx = { ...testContext(), deadline: Date.now() + 80 };
    const error = await runNode(codeNode, { code: 'while (true) {}', timeoutMs: 10_000 }, { value: 1 }, ctx).catch((err: Error) => err);
    const [, ms] = /^code timed out after (\d+) ms$/.exec((error as Error).message) ?? [];
    expect(Number(ms)).toBeGreaterThan(0);
    expect(Number(ms)).toBeLessThanOrEqual(80);
  });

  it('check() reports syntax errors without running the code', () => {
    expect(codeNode.check!(parsed(codeNode, { code: 'return value +' }))).toEqual([
      { path: ['code'], message: expect.stringMatching(/^code does not parse: /) },
    ]);
    expect(codeNode.check!(parsed(codeNode, { code: 'globalThis.ran = true; return 1' }))).toEqual([]);
    expect((globalThis as Record<string, unknown>).ran).toBeUndefined();
  });
});
