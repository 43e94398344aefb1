// A secret an MCP server is given through `${NAME}` in the config is masked like a provider key.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from './cli-child';
import { startTestRunner, waitForRun, type TestRunner } from './support/test-runner';

const FIXTURE = fileURLToPath(new URL('../../../packages/core/test/fixtures/mcp-server.mjs', import.meta.url));
// Not a *_API_KEY name: the config is what says this variable is a secret.
const TOKEN = `svc-${randomBytes(16).toString('hex')}`;

const document = {
  format: 'patchbay.pipeline/v1',
  name: 'greet',
  nodes: [
    { id: 'a', type: 'input', config: { name: 'args', valueType: 'json' } },
    { id: 'call', type: 'tool', config: { tool: 'greeting' } },
    { id: 'out', type: 'output', config: { name: 'greeting' } },
  ],
  edges: [
    { from: 'a.value', to: 'call.args' },
    { from: 'call.result', to: 'out.value' },
  ],
};

let runner: TestRunner;
let configDir: string;
const logLines: string[] = [];

beforeAll(async () => {
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-mcp-secret-'));
  const configPath = path.join(configDir, 'patchbay.config.json');
  // The fixture's `greeting` tool answers with its GREETING variable: a server that echoes its credential.
  fs.writeFileSync(configPath, JSON.stringify({ mcpServers: { demo: { command: process.execPath, args: [FIXTURE], env: { GREETING: 'token ${SERVICE_TOKEN}' } } } }));
  runner = await startTestRunner({ configPath, env: { SERVICE_TOKEN: TOKEN }, log: (line) => logLines.push(line) });
});
afterAll(async () => {
  await runner.close();
  fs.rmSync(configDir, { recursive: true, force: true });
});

describe('secrets named by mcpServers', () => {
  it('masks the value of a ${NAME} an MCP server is given, in the run, its events and the database', async () => {
    const created = await runner.post('/api/runs', { document, inputs: { args: {} } });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    const run = await waitForRun(runner, id);
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toEqual({ greeting: 'token [REDACTED]' });
    const replay = await runner.api(`/api/runs/${id}/events`);
    expect(replay.status).toBe(200);
    const events = await replay.text();
    expect(events).toContain('token [REDACTED]');
    const seen = [JSON.stringify(run), events, ...logLines];
    const piece = TOKEN.slice(4, 12);
    for (const text of seen) expect(text).not.toContain(piece);
    for (const file of fs.readdirSync(runner.dataDir)) {
      const full = path.join(runner.dataDir, file);
      if (fs.statSync(full).isFile()) expect(fs.readFileSync(full).includes(piece), file).toBe(false);
    }
  });

  it('masks it in patchbay run output too (--json), which reads the same config', async () => {
    fs.writeFileSync(path.join(configDir, 'greet.json'), JSON.stringify(document));
    const result = await runCli(['run', 'greet.json', '--inputs', '{"args": {}}', '--json', '--data', configDir], configDir, cleanEnv({ SERVICE_TOKEN: TOKEN }));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).outputs).toEqual({ greeting: 'token [REDACTED]' });
    expect(result.stdout + result.stderr).not.toContain(TOKEN.slice(4, 12));
  });
});
