import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../../src/node/tools/sandbox';
import { createToolService, type WorkspaceToolService } from '../../src/node/tools/tool-service';

let dataDir: string;
let tools: WorkspaceToolService;
const schema = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)) => ({ type: 'object', properties, required });

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'patchbay-custom-'));
  tools = createToolService({
    dataDir,
    sandbox: createSandbox(),
    config: {
      tools: {
        custom: [
          {
            name: 'shipping_cost',
            description: 'Shipping cost in EUR for a weight in kg',
            parameters: schema({ kg: { type: 'number', minimum: 0 }, express: { type: 'boolean' } }, ['kg']),
            code: 'const base = 4.5 + args.kg * 1.2;\nreturn { eur: Math.round((args.express ? base * 2 : base) * 100) / 100 };',
          },
          { name: 'reach_process', description: 'tries the host', parameters: schema({}), code: 'return typeof process + "/" + typeof require + "/" + typeof fetch;' },
          { name: 'use_process', description: 'tries the host', parameters: schema({}), code: 'return process.env;' },
          { name: 'spin', description: 'never ends', parameters: schema({}), code: 'for (;;) {}', timeoutMs: 200 },
          { name: 'hog', description: 'allocates 1 GB', parameters: schema({}), code: 'return new Uint8Array(1024 * 1024 * 1024).length;', timeoutMs: 5000 },
        ],
      },
    },
  });
});
afterAll(async () => {
  await tools.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('custom JavaScript tools', () => {
  it('are listed with their configured JSON Schema and run in the sandbox with `args`', async () => {
    expect(await tools.describe('shipping_cost')).toEqual({
      name: 'shipping_cost',
      description: 'Shipping cost in EUR for a weight in kg',
      parameters: schema({ kg: { type: 'number', minimum: 0 }, express: { type: 'boolean' } }, ['kg']),
    });
    expect(await tools.call('shipping_cost', { kg: 2 })).toEqual({ eur: 6.9 });
    expect(await tools.call('shipping_cost', '{"kg": 2, "express": true}')).toEqual({ eur: 13.8 });
  });

  it('validates arguments against the configured schema first', async () => {
    await expect(tools.call('shipping_cost', { kg: -1 })).rejects.toThrow('tool "shipping_cost": invalid arguments: /kg must be >= 0');
    await expect(tools.call('shipping_cost', ['kg'])).rejects.toThrow('tool "shipping_cost": arguments must be a JSON object');
  });

  it('sees no host: no process, require or fetch', async () => {
    expect(await tools.call('reach_process', {})).toBe('undefined/undefined/undefined');
    await expect(tools.call('use_process', {})).rejects.toThrow(/^tool "use_process": .*process/);
  });

  it('stops an endless loop at the tool timeout and a huge allocation at the memory limit', async () => {
    await expect(tools.call('spin', {})).rejects.toThrow(/^tool "spin": .*(time|interrupted)/i);
    await expect(tools.call('hog', {})).rejects.toThrow(/^tool "hog": .*memory/i);
    expect(await tools.call('shipping_cost', { kg: 0 })).toEqual({ eur: 4.5 });
  });

  it('refuses a config whose tool names clash or whose schema is not JSON Schema', () => {
    const make = (custom: any[]) => () => createToolService({ dataDir, sandbox: createSandbox(), config: { tools: { custom } } });
    expect(make([{ name: 'calculator', description: '', parameters: {}, code: 'return 1' }])).toThrow('tools.custom.0: the tool name "calculator" is already taken');
    expect(make([{ name: 'bad', description: '', parameters: { type: 'nonsense' }, code: 'return 1' }])).toThrow(/^tools\.custom\.0\.parameters: not a valid JSON Schema/);
  });
});
