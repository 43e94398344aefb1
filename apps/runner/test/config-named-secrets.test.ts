import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { cleanEnv, runCli, workspace } from './cli-child';
import { echoPipeline, startTestRunner } from './support/test-runner';

// A key whose variable the workspace config names (`apiKeyEnv`), not a *_API_KEY: the runner masks it, and so must
// every CLI command that writes the runner's store (patchbay run records its run there, patchbay promote its evals).
const KEY = `gw-leak-${randomBytes(16).toString('hex')}`;

let stub: OpenAIStub;
let ws: { dir: string; remove(): void };
let dataDir: string;

/** The cached (temperature 0) model call whose reply echoes what the stub was sent. */
const leaky = echoPipeline('leaky', 'gw:model', 0);

beforeAll(async () => {
  stub = await startOpenAIStub({ handler: (req) => ({ text: `my key is ${String(req.headers.authorization ?? '').replace(/^Bearer /, '')}` }) });
  ws = workspace({
    'leaky.json': leaky,
    'cases.jsonl': ['one', 'two'].map((q, i) => JSON.stringify({ id: `c${i}`, input: { question: q }, expected: 'key' })).join('\n'),
    'suite.json': { format: 'patchbay.eval/v1', dataset: 'cases.jsonl', scorers: [{ name: 'has', type: 'contains' }] },
  });
  dataDir = path.join(ws.dir, 'data');
  fs.mkdirSync(dataDir);
  fs.writeFileSync(path.join(dataDir, 'patchbay.config.json'), JSON.stringify({ providers: { gw: { baseURL: stub.url, apiKeyEnv: 'GW_SECRET' } } }));
  // The runner's store, with version 1 of the pipeline to promote; the runner is gone before the CLI writes.
  const runner = await startTestRunner({ dataDir, env: { GW_SECRET: KEY } });
  expect((await runner.post('/api/pipelines', leaky)).status).toBe(201);
  await runner.server.close();
});
afterAll(async () => {
  await stub.close();
  ws.remove();
});

describe('a key the workspace config names', () => {
  it('never reaches the runner store through patchbay run or patchbay promote', async () => {
    const env = cleanEnv({ GW_SECRET: KEY });
    const run = await runCli(['run', 'leaky.json', '--input', 'question=hi', '--data', 'data'], ws.dir, env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('my key is [REDACTED]');
    const promote = await runCli(['promote', 'leaky', '--label', 'production', '--version', '1', '--suite', 'suite.json', '--data', 'data'], ws.dir, env);
    expect(promote.code, promote.stderr).toBe(0);

    const pieces = Array.from({ length: KEY.length - 7 }, (_, i) => KEY.slice(i, i + 8));
    const leaks: string[] = [];
    for (const [label, text] of [
      ['run', run.stdout + run.stderr],
      ['promote', promote.stdout + promote.stderr],
      ...listFiles(dataDir).map((f) => [path.basename(f), fs.readFileSync(f).toString('latin1')]),
    ]) {
      if (pieces.some((p) => text.includes(p))) leaks.push(label);
    }
    expect(leaks).toEqual([]);
  }, 120_000);
});

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

// A key pasted where its variable's name goes would be listed as a variable name (GET /api/providers, the log).
describe('an apiKeyEnv that holds a key rather than a name', () => {
  it('stops patchbay serve and patchbay run at start, exit 2, one line naming the config and the field, not the key', async () => {
    const pasted = `fw_${randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '7')}`;
    const own = workspace({ 'greet.json': echoPipeline('greet') });
    try {
      const data = path.join(own.dir, 'data');
      fs.mkdirSync(data);
      const config = path.join(data, 'patchbay.config.json');
      fs.writeFileSync(config, JSON.stringify({ providers: { fireworks: { apiKeyEnv: pasted } } }));
      for (const [command, args] of [
        ['serve', ['serve', '--port', '0', '--data', data, '--no-demo']],
        ['run', ['run', 'greet.json', '--input', 'question=hi', '--data', data]],
      ] as const) {
        const r = await runCli([...args], own.dir, cleanEnv({ PATCHBAY_DEMO: '0' }));
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toBe(
          `patchbay ${command}: ${config}: providers.fireworks.apiKeyEnv: this looks like a key, not the name of a variable: a key never goes in the config; set "apiKeyEnv" to the name of the environment variable that holds it, such as MY_GATEWAY_KEY\n`,
        );
        expect(r.stdout + r.stderr).not.toContain(pasted.slice(3, 11));
      }
    } finally {
      own.remove();
    }
  });
});
