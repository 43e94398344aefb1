// A credential written into the workspace config itself (a literal MCP header, a password or a token in a URL)
// works in one process, and is masked like a key wherever a server hands it back.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, workspace } from './cli-child';
import { startTestRunner, waitForRun } from './support/test-runner';

const BEARER = 'lit-bearer-0123456789abcdef';
const API_KEY = 'lit-apikey-fedcba9876543210';
const QUERY_TOKEN = 'lit-query-5a5a5a5a5a5a5a5a';
const PASSWORD = 'lit-passw-77889900aabbccdd';
const SECRETS = [BEARER, API_KEY, QUERY_TOKEN, PASSWORD];
// A header that is no credential stays readable.
const TENANT = 'tenant-acme-europe';

// Refuses every request, quoting what it was sent: headers and the URL (its query included), as a proxy's 401 may.
let echo: http.Server;
let echoURL: string;
let ws: { dir: string; remove(): void };

const document = {
  format: 'patchbay.pipeline/v1',
  name: 'lookup',
  nodes: [
    { id: 'a', type: 'input', config: { name: 'args', valueType: 'json' } },
    { id: 'call', type: 'tool', config: { tool: 'search' } },
    { id: 'out', type: 'output', config: { name: 'found' } },
  ],
  edges: [
    { from: 'a.value', to: 'call.args' },
    { from: 'call.result', to: 'out.value' },
  ],
};

const config = () => ({
  mcpServers: {
    docs: { url: `${echoURL}/mcp?token=${QUERY_TOKEN}`, headers: { Authorization: `Bearer ${BEARER}`, 'X-Api-Key': API_KEY, 'X-Tenant': TENANT } },
    wiki: { url: echoURL.replace('http://', `http://bob:${PASSWORD}@`) + '/mcp' },
  },
});

beforeAll(async () => {
  echo = http.createServer((req, res) => {
    req.resume();
    res.writeHead(401, { 'content-type': 'text/plain' }).end(`refused ${req.url} ${JSON.stringify(req.headers)}`);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoURL = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  ws = workspace({ 'lookup.json': document });
  fs.writeFileSync(path.join(ws.dir, 'patchbay.config.json'), JSON.stringify(config()));
});
afterAll(async () => {
  await new Promise((resolve) => echo.close(resolve));
  ws.remove();
});

/** The labels of the texts holding any 8 characters of a secret. */
function leaksIn(texts: Array<[string, string]>): string[] {
  const pieces = SECRETS.flatMap((secret) => Array.from({ length: secret.length - 7 }, (_, i) => secret.slice(i, i + 8)));
  return texts.filter(([, text]) => pieces.some((p) => text.includes(p))).map(([label]) => label);
}

const filesOf = (dir: string): Array<[string, string]> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    return e.isDirectory() ? filesOf(file) : [[file, fs.readFileSync(file).toString('latin1')] as [string, string]];
  });

describe('credentials written literally in the workspace config', () => {
  it('are masked by the runner when an MCP server quotes them back: the run, its events, the log and every file', async () => {
    const logs: string[] = [];
    const runner = await startTestRunner({ configPath: path.join(ws.dir, 'patchbay.config.json'), log: (line) => logs.push(line) });
    try {
      const created = await runner.post('/api/runs', { document, inputs: { args: {} } });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const run = await waitForRun(runner, id);
      expect(run.status).toBe('failed');
      const text = JSON.stringify(run);
      // The server's answer reached the error (so the test sees an echo), masked; what is no credential is kept.
      expect(text).toContain('Error POSTing to endpoint');
      expect(text).toContain(TENANT);
      expect(text).toContain('[REDACTED]');
      const events = await (await runner.api(`/api/runs/${id}/events`)).text();
      await runner.server.store.runs.flush();
      expect(leaksIn([['run', text], ['events', events], ['log', logs.join('\n')], ...filesOf(runner.dataDir)])).toEqual([]);
    } finally {
      await runner.close();
    }
  });

  it('are masked by patchbay run: its output (--json and not) and the data dir it writes', async () => {
    const data = path.join(ws.dir, 'data');
    fs.mkdirSync(data);
    const json = await runCli(['run', 'lookup.json', '--inputs', '{"args": {}}', '--json', '--config', 'patchbay.config.json', '--data', data], ws.dir, cleanEnv());
    const plain = await runCli(['run', 'lookup.json', '--inputs', '{"args": {}}', '--config', 'patchbay.config.json', '--data', data], ws.dir, cleanEnv());
    expect(json.code, json.stderr).toBe(1);
    expect(plain.code, plain.stderr).toBe(1);
    expect(json.stdout + json.stderr).toContain('Error POSTing to endpoint');
    expect(plain.stdout + plain.stderr).toContain('[REDACTED]');
    expect(leaksIn([['--json', json.stdout + json.stderr], ['plain', plain.stdout + plain.stderr], ...filesOf(data)])).toEqual([]);
  });
});
