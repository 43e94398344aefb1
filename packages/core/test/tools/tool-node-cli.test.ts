import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A `tool` node as a user runs it: `patchbay run` (the real bin, a child
 * process) with the workspace's real tools. A refusal or a failing tool fails
 * the run with exit 1 and one line naming the node and the tool.
 */
const BIN = fileURLToPath(new URL('../../../../apps/runner/bin/patchbay.js', import.meta.url));
let cwd: string;

function patchbay(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PATCHBAY_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** input `args` (JSON) → tool node → output `result`. */
function toolPipeline(tool: string) {
  return JSON.stringify({
    format: 'patchbay.pipeline/v1',
    name: 'call-tool',
    nodes: [
      { id: 'args', type: 'input', config: { name: 'args', valueType: 'json' } },
      { id: 'call', type: 'tool', config: { tool } },
      { id: 'out', type: 'output', config: { name: 'result' } },
    ],
    edges: [
      { from: 'args.value', to: 'call.args' },
      { from: 'call.result', to: 'out.value' },
    ],
  });
}

const run = (tool: string, args: unknown) => patchbay(['run', `${tool}.json`, '--input', `args=${JSON.stringify(args)}`]);

beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'patchbay-tool-node-'));
  mkdirSync(join(cwd, '.patchbay'));
  writeFileSync(
    join(cwd, '.patchbay', 'patchbay.config.json'),
    JSON.stringify({
      tools: {
        custom: [
          {
            name: 'checked',
            description: 'Refuses negative numbers',
            parameters: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
            code: 'if (args.n < 0) throw new Error("n must not be negative"); return args.n * 2;',
          },
        ],
      },
    }),
  );
  for (const tool of ['http_request', 'calculator', 'checked']) writeFileSync(join(cwd, `${tool}.json`), toolPipeline(tool));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('patchbay run with a tool node', () => {
  it('prints the tool result and exits 0', async () => {
    const [calc, custom] = await Promise.all([run('calculator', { expression: '6 * 7' }), run('checked', { n: 21 })]);
    expect(calc).toMatchObject({ code: 0 });
    expect(JSON.parse(calc.stdout)).toEqual({ result: 42 });
    expect(JSON.parse(custom.stdout)).toEqual({ result: 42 });
  });

  it('fails the run with exit 1 and one clear line when http_request refuses a target', async () => {
    const results = await Promise.all([
      run('http_request', { url: 'http://127.0.0.1:9/', method: 'GET' }),
      run('http_request', { url: 'http://10.0.0.1/admin', method: 'GET' }),
      run('http_request', { url: 'http://169.254.169.254/latest/meta-data/', method: 'GET' }),
      run('http_request', { url: 'http://localhost:9/', method: 'GET' }),
    ]);
    const reasons = ['127.0.0.1 is a loopback address', '10.0.0.1 is a private address', '169.254.169.254 is a cloud metadata address', 'loopback address (localhost resolves to it)'];
    results.forEach((r, i) => {
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const last = r.stderr.trimEnd().split('\n').pop();
      expect(last).toMatch(/^patchbay run: node "call" failed: tool "http_request": refused http:\/\/[^ ]+: /);
      expect(last).toContain(reasons[i]);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  });

  it('fails the run with exit 1 for bad arguments and for a tool that throws', async () => {
    const [badArgs, thrown] = await Promise.all([run('calculator', { expression: 42 }), run('checked', { n: -1 })]);
    expect(badArgs.code).toBe(1);
    expect(badArgs.stderr).toMatch(/^patchbay run: node "call" failed: tool "calculator": invalid arguments: \/expression must be string$/m);
    expect(thrown.code).toBe(1);
    expect(thrown.stderr).toMatch(/^patchbay run: node "call" failed: tool "checked": code failed: n must not be negative$/m);
  });
});
