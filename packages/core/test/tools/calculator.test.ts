import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../../src/node/tools/sandbox';
import { createToolService, type WorkspaceToolService } from '../../src/node/tools/tool-service';

let dataDir: string;
let tools: WorkspaceToolService;
const calc = (expression: unknown) => tools.call('calculator', { expression });

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'patchbay-calc-'));
  tools = createToolService({ dataDir, sandbox: createSandbox(), config: {} });
});
afterAll(async () => {
  await tools.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('calculator', () => {
  it('describes its parameters as JSON Schema', async () => {
    expect(await tools.describe('calculator')).toMatchObject({
      name: 'calculator',
      parameters: { type: 'object', required: ['expression'], properties: { expression: { type: 'string' } } },
    });
  });

  it("takes many calls at once on one signal (an agent's parallel tool calls) without a MaxListenersExceededWarning", async () => {
    // Node warns of a "possible memory leak" past 10 abort listeners on one signal; the CLI printed it between its lines.
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const run = new AbortController();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => tools.call('calculator', { expression: `${i} + 1` }, { signal: run.signal })));
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(warnings).toEqual([]);
  });

  it('evaluates arithmetic, functions, units and statements', async () => {
    expect(await calc('(17 * 23) / 4')).toBe(97.75);
    expect(await calc('sqrt(2) ^ 2')).toBeCloseTo(2);
    expect(await calc('5 cm to inch')).toBe('1.9685039370079 inch');
    expect(await calc('det([1, 2; 3, 4])')).toBe(-2);
    expect(await calc('x = 3; x * 2')).toBe(6);
    expect(await calc('1 / 0')).toBe('Infinity');
  });

  it('gives the parser error for a malformed expression', async () => {
    await expect(calc('2 +')).rejects.toThrow('tool "calculator": Unexpected end of expression (char 4)');
    await expect(calc('nosuch(1)')).rejects.toThrow('tool "calculator": Undefined function nosuch');
  });

  it('disables the functions that reach the parser or change mathjs', async () => {
    await expect(calc('evaluate("1 + 1")')).rejects.toThrow('function evaluate is disabled');
    await expect(calc('import({}, {})')).rejects.toThrow('function import is disabled');
    await expect(calc('createUnit("foo")')).rejects.toThrow('function createUnit is disabled');
    await expect(calc('parse("1")')).rejects.toThrow('function parse is disabled');
  });

  it('contains an expression that would exhaust memory, and keeps working after it', async () => {
    // Which limit stops it first (heap or deadline) depends on how busy the machine is; either way the runner is unharmed.
    await expect(calc('zeros(100000, 100000)')).rejects.toThrow(/^tool "calculator": the expression (needs more than \d+ MB|took longer than \d+ ms)$/);
    expect(await calc('2 + 2')).toBe(4);
  });

  it('validates arguments before evaluating', async () => {
    await expect(calc(42)).rejects.toThrow('tool "calculator": invalid arguments: /expression must be string');
    await expect(tools.call('calculator', { expression: '1', extra: true })).rejects.toThrow('must NOT have additional properties "extra"');
    await expect(tools.call('calculator', '{not json')).rejects.toThrow('tool "calculator": arguments are not valid JSON');
  });
});
