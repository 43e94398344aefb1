// A credential tools.http.headers names as `${NAME}` is sent to its host and masked like a provider key when the
// host echoes it back (a 401 quoting the request, a debug endpoint): a real runner and patchbay run, a real server.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from './cli-child';
import { startTestRunner, waitForRun, type TestRunner } from './support/test-runner';

// Not a *_API_KEY name: the config is what says this variable is a secret.
const TOKEN = `svc-${randomBytes(16).toString('hex')}`;

const document = {
  format: 'patchbay.pipeline/v1',
  name: 'fetch',
  nodes: [
    { id: 'a', type: 'input', config: { name: 'args', valueType: 'json' } },
    { id: 'call', type: 'tool', config: { tool: 'http_request' } },
    { id: 'out', type: 'output', config: { name: 'result' } },
  ],
  edges: [
    { from: 'a.value', to: 'call.args' },
    { from: 'call.result', to: 'out.value' },
  ],
};

let runner: TestRunner;
let server: http.Server;
let origin: string;
let configDir: string;
const logLines: string[] = [];

beforeAll(async () => {
  // Answers with the credential it was sent, as a 401 quoting the request does.
  server = http.createServer((req, res) => res.writeHead(401, { 'content-type': 'text/plain' }).end(`bad credential: ${req.headers.authorization}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-http-secret-'));
  const configPath = path.join(configDir, 'patchbay.config.json');
  fs.writeFileSync(configPath, JSON.stringify({ tools: { http: { allowHosts: ['127.0.0.1'], headers: { [origin]: { Authorization: 'Bearer ${SERVICE_TOKEN}' } } } } }));
  runner = await startTestRunner({ configPath, env: { SERVICE_TOKEN: TOKEN }, log: (line) => logLines.push(line) });
});
afterAll(async () => {
  await runner.close();
  server.close();
  fs.rmSync(configDir, { recursive: true, force: true });
});

describe('credentials named by tools.http.headers', () => {
  it('masks the value when the host echoes it, in the run, its events, the log and the database', async () => {
    const created = await runner.post('/api/runs', { document, inputs: { args: { url: `${origin}/me`, method: 'GET' } } });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    const run = await waitForRun(runner, id);
    expect(run.status).toBe('succeeded');
    expect(run.outputs.result).toMatchObject({ status: 401, body: 'bad credential: Bearer [REDACTED]' });
    const events = await (await runner.api(`/api/runs/${id}/events`)).text();
    expect(events).toContain('Bearer [REDACTED]');
    const piece = TOKEN.slice(4, 12);
    for (const text of [JSON.stringify(run), events, ...logLines]) expect(text).not.toContain(piece);
    for (const file of fs.readdirSync(runner.dataDir)) {
      const full = path.join(runner.dataDir, file);
      if (fs.statSync(full).isFile()) expect(fs.readFileSync(full).includes(piece), file).toBe(false);
    }
  });

  it('masks it in patchbay run output too (--json), which reads the same config', async () => {
    fs.writeFileSync(path.join(configDir, 'fetch.json'), JSON.stringify(document));
    const args = JSON.stringify({ args: { url: `${origin}/me`, method: 'GET' } });
    const result = await runCli(['run', 'fetch.json', '--inputs', args, '--json', '--data', configDir], configDir, cleanEnv({ SERVICE_TOKEN: TOKEN }));
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).outputs.result).toMatchObject({ body: 'bad credential: Bearer [REDACTED]' });
    expect(result.stdout + result.stderr).not.toContain(TOKEN.slice(4, 12));
  });
});

describe('credentials named by tools.http.headers, bound to their origin', () => {
  const tls = { key: fs.readFileSync(new URL('./support/tls-127.0.0.1.key.pem', import.meta.url)), cert: fs.readFileSync(new URL('./support/tls-127.0.0.1.cert.pem', import.meta.url)) };
  const heard: Array<{ scheme: string; path: string; auth: string | null }> = [];
  let port: number;
  let dual: net.Server;
  beforeAll(async () => {
    const handler = (scheme: string) => (req: http.IncomingMessage, res: http.ServerResponse) => {
      heard.push({ scheme, path: req.url!, auth: req.headers.authorization ?? null });
      if (req.url === '/start') res.writeHead(302, { location: `http://127.0.0.1:${port}/landed` }).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end(`auth: ${req.headers.authorization ?? 'none'}`);
    };
    const secure = https.createServer(tls, handler('https'));
    const plain = http.createServer(handler('http'));
    // One port speaking both, told apart by the first byte (0x16 opens a TLS handshake): https://127.0.0.1:P redirecting
    // to http://127.0.0.1:P changes the scheme alone, as https://api.github.com to http://api.github.com:443 would.
    dual = net.createServer((socket) =>
      socket.once('readable', () => {
        const first = socket.read(1) as Buffer | null;
        if (!first) return socket.destroy();
        socket.unshift(first);
        (first[0] === 0x16 ? secure : plain).emit('connection', socket);
      }),
    );
    await new Promise<void>((resolve) => dual.listen(0, '127.0.0.1', resolve));
    port = (dual.address() as AddressInfo).port;
  });
  afterAll(() => dual.close());

  it('sends them to https on the port the key names, and not over plain http after a redirect to the same host and port', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-http-origin-'));
    try {
      fs.writeFileSync(path.join(dir, 'patchbay.config.json'), JSON.stringify({ tools: { http: { allowHosts: ['127.0.0.1'], headers: { [`127.0.0.1:${port}`]: { Authorization: 'Bearer ${SERVICE_TOKEN}' } } } } }));
      fs.writeFileSync(path.join(dir, 'fetch.json'), JSON.stringify(document));
      const args = JSON.stringify({ args: { url: `https://127.0.0.1:${port}/start`, method: 'GET' } });
      // The test certificate trusted as a user trusts an internal CA.
      const env = cleanEnv({ SERVICE_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: fileURLToPath(new URL('./support/tls-127.0.0.1.cert.pem', import.meta.url)) });
      const result = await runCli(['run', 'fetch.json', '--inputs', args, '--json', '--data', dir], dir, env);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).outputs.result).toMatchObject({ status: 200, url: `http://127.0.0.1:${port}/landed`, body: 'auth: none' });
      expect(heard).toEqual([
        { scheme: 'https', path: '/start', auth: `Bearer ${TOKEN}` },
        { scheme: 'http', path: '/landed', auth: null },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
