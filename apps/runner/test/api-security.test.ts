import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { isLoopbackHost, startServer, type RouteModule } from '../src/index';
import { cleanEnv, runCli } from './cli-child';
import { allSseEvents, echoPipeline, startTestRunner, waitForRun } from './support/test-runner';

describe('bearer token', () => {
  const token = 'tok-correct-horse-battery';
  let runner: Awaited<ReturnType<typeof startTestRunner>>;
  beforeAll(async () => {
    runner = await startTestRunner({ token });
  });
  afterAll(() => runner.close());

  it('answers 401 to /api requests without the token or with a wrong one', async () => {
    const none = await runner.api('/api/pipelines');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await runner.api('/api/pipelines', { headers: { authorization: 'Bearer tok-wrong' } })).status).toBe(401);
    expect((await runner.api('/api/pipelines', { headers: { authorization: `Basic ${token}` } })).status).toBe(401);
    expect((await runner.api('/api/openapi.json')).status).toBe(401);
    expect((await runner.post('/api/pipelines', echoPipeline('x'))).status).toBe(401);
  });

  it('serves requests with the token, and /healthz without', async () => {
    const ok = await runner.api('/api/pipelines', { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    const created = await runner.post('/api/pipelines', echoPipeline('x'), { authorization: `Bearer ${token}` });
    expect(created.status).toBe(201);
    expect((await runner.api('/healthz')).status).toBe(200);
  });
});

describe('binding', () => {
  it('refuses a non-loopback host without a token, and takes one with it', async () => {
    const dataDir = fs.mkdtempSync('/tmp/pb-bind-');
    await expect(startServer({ host: '0.0.0.0', port: 0, env: {}, quiet: true, editorDist: false, dataDir })).rejects.toThrow(/PATCHBAY_TOKEN/);
    const server = await startServer({ host: '0.0.0.0', port: 0, env: { PATCHBAY_TOKEN: 'a-long-enough-token' }, quiet: true, editorDist: false, dataDir });
    try {
      expect((await fetch(`http://127.0.0.1:${server.port}/api/pipelines`)).status).toBe(401);
    } finally {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '192.168.1.4', '::', 'example.com', '10.0.0.1']) expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('CORS', () => {
  it('sends no CORS headers unless origins are configured', async () => {
    const plain = await startTestRunner();
    const open = await startTestRunner({ cors: ['http://localhost:5173'] });
    try {
      const preflight = (r: typeof plain, origin: string) =>
        r.api('/api/pipelines', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      expect((await preflight(plain, 'http://localhost:5173')).headers.get('access-control-allow-origin')).toBeNull();
      expect((await plain.api('/api/pipelines', { headers: { origin: 'http://localhost:5173' } })).headers.get('access-control-allow-origin')).toBeNull();

      expect((await preflight(open, 'http://localhost:5173')).headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect((await open.api('/api/pipelines', { headers: { origin: 'http://evil.example' } })).headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await plain.close();
      await open.close();
    }
  });
});

describe('--cors on the command line', () => {
  it('refuses what is not an origin (no scheme, a path or trailing slash) with exit 2 and one line, as it would never match', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-cors-'));
    try {
      const env = cleanEnv({ PATCHBAY_DEMO: '0', PORT: '0' });
      const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
        [['serve', '--cors', 'chat.example.com'], env, /--cors "chat\.example\.com" is not an origin: give scheme:\/\/host\[:port\]/],
        [['serve', '--cors', 'https://chat.example.com/'], env, /is not an origin.*https:\/\/chat\.example\.com\b/],
        [['serve'], { ...env, PATCHBAY_CORS: 'https://ok.example, localhost:5173' }, /PATCHBAY_CORS "localhost:5173" is not an origin/],
      ];
      const results = await Promise.all(cases.map(([args, e]) => runCli([...args, '--data', dir], dir, e)));
      results.forEach((result, i) => {
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1);
        expect(result.stderr).toMatch(cases[i][2]);
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('secrets', () => {
  const stubKey = 'stub-key-7f3a9c1e5b2d8';
  const openaiKey = 'sk-test-4b8d2f6a1c9e3';
  const secrets = [stubKey, openaiKey];
  let stub: OpenAIStub;
  const logged: string[] = [];
  const responses: string[] = [];

  beforeAll(async () => {
    // A provider that fails by echoing the request's Authorization header, as some gateways do.
    stub = await startOpenAIStub({
      handler: (req) => ({ status: 401, body: { error: { message: `bad credentials: ${req.headers.authorization}`, type: 'auth' } } }),
    });
  });
  afterAll(() => stub.close());

  it('never puts the value of a *_API_KEY variable in a response, a log line or the database', async () => {
    const leaky: RouteModule = {
      name: 'leaky',
      register(app) {
        app.get('/api/test-only/leak', () => {
          throw new Error(`upstream said ${openaiKey}`);
        });
      },
    };
    const runner = await startTestRunner({
      env: { STUB_BASE_URL: stub.url, STUB_API_KEY: stubKey, OPENAI_API_KEY: openaiKey },
      routes: [leaky],
      log: (line) => logged.push(line),
      quiet: false,
    });
    const record = async (res: Response) => {
      const text = await res.text();
      responses.push(text);
      return text;
    };
    try {
      // The provider list says a key is set, never what it is.
      const providerResponse = await runner.api('/api/providers');
      expect(providerResponse.headers.get('content-type')).toBe('application/json');
      const providers = JSON.parse(await record(providerResponse));
      expect(providers.find((p: any) => p.name === 'stub')).toMatchObject({ hasKey: true, keyVariable: 'STUB_API_KEY' });

      // A run whose provider error carries the key.
      await runner.post('/api/pipelines', echoPipeline('leaks', 'stub:model'));
      const failed = await runner.post('/api/runs?stream=true', { pipeline: 'leaks', inputs: { question: 'hi' } });
      const events = await allSseEvents(failed);
      responses.push(events.map((e) => e.data).join('\n'));
      expect(events.at(-1)!.event).toBe('run.failed');
      const failedRun = await runner.api(`/api/runs/${failed.headers.get('x-run-id')}`);
      const failedText = await record(failedRun);
      expect(failedText).toContain('bad credentials');

      // A run that is handed the key as an input and echoes it.
      await runner.post('/api/pipelines', echoPipeline('echo'));
      const { id } = JSON.parse(await record(await runner.post('/api/runs', { pipeline: 'echo', inputs: { question: `my key is ${openaiKey}` } })));
      await waitForRun(runner, id);
      expect(await record(await runner.api(`/api/runs/${id}`))).toContain('my key is [REDACTED]');
      await record(await runner.api(`/api/runs/${id}/events`));
      await record(await runner.api('/api/runs'));

      // A document holding a key is refused, naming the variable and the path.
      const doc = echoPipeline('keyed');
      (doc.nodes[1].config as any).system = `use ${stubKey}`;
      const refused = await runner.post('/api/pipelines', doc);
      expect(refused.status).toBe(400);
      const refusal = JSON.parse(await record(refused));
      expect(refusal.detail).toContain('STUB_API_KEY');
      expect(refusal.errors[0].path).toBe('$.nodes[1].config.system');

      // Nor can a key be indexed into a retrieval index (a file in the data dir).
      const indexed = await runner.post('/api/indexes/notes/documents', { documents: [{ text: 'fine' }, { text: `the key is ${openaiKey}` }] });
      expect(indexed.status).toBe(400);
      expect(JSON.parse(await record(indexed)).errors[0].path).toBe('$.documents[1].text');
      // Not as the embedding model the index records, nor as the index's name (both are kept in the file).
      const asModel = await runner.post('/api/indexes/notes/documents', { documents: [{ text: 'fine' }], embeddingModel: `offline:${openaiKey}` });
      expect(asModel.status).toBe(400);
      expect(JSON.parse(await record(asModel)).errors[0].path).toBe('$.embeddingModel');
      const asName = await runner.post(`/api/indexes/${openaiKey}/documents`, { documents: [{ text: 'fine' }] });
      expect(asName.status).toBe(400);
      expect(JSON.parse(await record(asName)).errors[0].path).toBe('path.name');

      // Nor into a dataset, which is stored as sent.
      const dataset = await runner.post('/api/datasets', { name: 'cases', cases: [{ id: 'c1', input: { question: `use ${stubKey}` }, expected: 'x' }] });
      expect(dataset.status).toBe(400);
      expect(JSON.parse(await record(dataset)).errors[0].path).toBe('$.cases[0].input.question');
      const asText = await runner.post('/api/datasets', { name: 'cases', format: 'jsonl', content: `{"id":"c1","input":{"q":"${openaiKey}"}}` });
      expect(asText.status).toBe(400);
      expect(JSON.parse(await record(asText)).detail).toContain('OPENAI_API_KEY');

      await record(await runner.api('/api/test-only/leak'));
      // Problems that quote the request back (an id, a path) mask it too.
      const quoted = await runner.api(`/api/runs/${openaiKey}`);
      expect(quoted.status).toBe(404);
      expect(JSON.parse(await record(quoted)).detail).toBe('there is no run "[REDACTED]"');
      expect(await record(await runner.api(`/api/nothing/${stubKey}`))).toContain('[REDACTED]');
    } finally {
      await runner.server.close();
    }
    const files = fs.readdirSync(runner.dataDir).map((f) => path.join(runner.dataDir, f));
    expect(files.some((f) => f.endsWith('runner.sqlite'))).toBe(true);
    for (const secret of secrets) {
      for (const text of responses) expect(text).not.toContain(secret);
      for (const line of logged) expect(line).not.toContain(secret);
      for (const file of files) expect(fs.readFileSync(file).includes(secret), `${secret} in ${file}`).toBe(false);
    }
    expect(logged.some((line) => line.includes('upstream said [REDACTED]'))).toBe(true);
    fs.rmSync(runner.dataDir, { recursive: true, force: true });
  });
});
