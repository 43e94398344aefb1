// Every secret the runner, the CLI and a worker read from their environment is masked as PATCHBAY_TOKEN is: the
// /metrics scrape token, the OTLP exporter's headers, and the password of each URL variable (the store, the queue,
// the proxies, the OTLP endpoint). A model or server that repeats one must not get it into a run, a span, a log,
// a file or a row.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { cleanEnv, runCli, workspace } from './cli-child';
import { baseEnv, spawnPatchbay, type PatchbayProcess } from './support/patchbay-process';
import { scaleServices } from './support/scale-services';
import { echoPipeline, startTestRunner, waitForRun } from './support/test-runner';

const METRICS_TOKEN = 'metrics-tok-0123456789abcdef';
const OTLP_KEY = 'otlp-hdr-key-fedcba987654';
const OTLP_PASSWORD = 'otlp-pw-a1b2c3d4e5f6';
const PROXY_PASSWORD = 'proxy-pw-99887766554433';
const QUEUE_PASSWORD = 'queue-pw-0a0b0c0d0e0f';
const STORE_PASSWORD = 'store-pw-1f2e3d4c5b6a';
const SECRETS = [METRICS_TOKEN, OTLP_KEY, OTLP_PASSWORD, PROXY_PASSWORD, QUEUE_PASSWORD, STORE_PASSWORD];
/** What a process without a store URL has (the model still repeats the store's password, which it cannot know is one). */
const UNSCALED = SECRETS.filter((s) => s !== STORE_PASSWORD);

/** The environment of a process holding each secret (no proxy is used for the stub on 127.0.0.1). */
const secretEnv = (): Record<string, string> => ({
  PATCHBAY_METRICS_TOKEN: METRICS_TOKEN,
  OTEL_EXPORTER_OTLP_HEADERS: `x-honeycomb-team=${OTLP_KEY}`,
  HTTPS_PROXY: `http://px:${PROXY_PASSWORD}@proxy.invalid:3128`,
  NO_PROXY: '127.0.0.1,localhost',
  PATCHBAY_QUEUE: `redis://:${QUEUE_PASSWORD}@queue.invalid:6379`,
  // Nothing listens there: a runner's exports fail, and say so in its log.
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://collector:${OTLP_PASSWORD}@127.0.0.1:9`,
});

let stub: OpenAIStub;

/** Every 8 characters of each of `secrets`, in each text: the labels of the texts holding one. */
function leaksIn(texts: Array<[string, string]>, secrets = SECRETS): string[] {
  const pieces = secrets.flatMap((secret) => Array.from({ length: secret.length - 7 }, (_, i) => secret.slice(i, i + 8)));
  return texts.filter(([, text]) => pieces.some((p) => text.includes(p))).map(([label]) => label);
}

const filesOf = (dir: string): Array<[string, string]> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    return e.isDirectory() ? filesOf(file) : [[file, fs.readFileSync(file).toString('latin1')] as [string, string]];
  });

beforeAll(async () => {
  // A model that repeats every secret it could have been told.
  // A question starting HANG is never answered: its run stays on the queue's worker until cancelled.
  stub = await startOpenAIStub({ handler: (req) => (String(req.body?.messages?.at(-1)?.content).startsWith('HANG') ? { hang: 'before-response' } : { text: `I know ${SECRETS.join(' and ')}` }) });
});
afterAll(() => stub.close());

describe('secrets of the environment', () => {
  it('are masked by the runner: runs, events, OTLP spans, the log, every file; a document holding one is refused', async () => {
    const spans: string[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        spans.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const otlp = `http://collector:${OTLP_PASSWORD}@127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const logs: string[] = [];
    const runner = await startTestRunner({
      env: { ...secretEnv(), STUB_BASE_URL: stub.url, OTEL_EXPORTER_OTLP_ENDPOINT: otlp, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' },
      log: (line) => logs.push(line),
    });
    try {
      expect((await runner.post('/api/pipelines', echoPipeline('knows', 'stub:model'))).status).toBe(201);
      const { id } = (await (await runner.post('/api/runs', { pipeline: 'knows', inputs: { question: 'what do you know?' } })).json()) as { id: string };
      const run = await waitForRun(runner, id);
      expect(run.status).toBe('succeeded');
      expect(run.outputs.answer).toMatch(/^I know \[REDACTED\] and /);
      const events = await (await runner.api(`/api/runs/${id}/events`)).text();
      const metrics = await (await runner.api('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
      expect(metrics).toContain('patchbay_');
      // A document holding the scrape token is refused, as one holding PATCHBAY_TOKEN is.
      const refused = await runner.post('/api/pipelines', { ...echoPipeline('leaky'), description: `token ${METRICS_TOKEN}` });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('PATCHBAY_METRICS_TOKEN');
      await runner.server.store.runs.flush();
      const deadline = Date.now() + 20_000;
      while (!spans.some((s) => s.includes('I know')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(spans.join('\n')).toContain('I know [REDACTED]');
      expect(leaksIn([['run', JSON.stringify(run)], ['events', events], ['metrics', metrics], ['spans', spans.join('\n')], ['log', logs.join('\n')], ...filesOf(runner.dataDir)], UNSCALED)).toEqual([]);
    } finally {
      await runner.close();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('are masked by patchbay run: its output and the data dir it writes', async () => {
    const ws = workspace({ 'knows.json': echoPipeline('knows', 'stub:model') });
    try {
      const data = path.join(ws.dir, 'data');
      fs.mkdirSync(data);
      const env = cleanEnv({ ...secretEnv(), STUB_BASE_URL: stub.url });
      const json = await runCli(['run', 'knows.json', '--input', 'question=hi', '--json', '--data', data], ws.dir, env);
      const plain = await runCli(['run', 'knows.json', '--input', 'question=hi', '--data', data], ws.dir, env);
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout).outputs.answer).toMatch(/^I know \[REDACTED\] and /);
      expect(leaksIn([['--json', json.stdout + json.stderr], ['plain', plain.stdout + plain.stderr], ...filesOf(data)], UNSCALED)).toEqual([]);
    } finally {
      ws.remove();
    }
  });
});

/** A Redis key's value, whatever its type (BullMQ keeps a job's data in a hash, events in streams). */
async function redisValue(redis: Redis, key: string): Promise<unknown> {
  switch (await redis.type(key)) {
    case 'string':
      return redis.get(key);
    case 'hash':
      return redis.hgetall(key);
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'set':
      return redis.smembers(key);
    case 'zset':
      return redis.zrange(key, 0, -1, 'WITHSCORES');
    case 'stream':
      return redis.xrange(key, '-', '+');
    default:
      return null;
  }
}

/** Every row of every table of the PostgreSQL database at `url`, as JSON text by table. */
async function postgresRows(url: string): Promise<Array<[string, string]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows: Array<[string, string]> = [];
    const tables = await client.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'");
    for (const { name } of tables.rows) {
      const all = await client.query(`SELECT row_to_json(t)::text AS row FROM "${name}" t`);
      rows.push([`table ${name}`, all.rows.map((r) => r.row).join('\n')]);
    }
    return rows;
  } finally {
    await client.end();
  }
}

/** Every key of the Redis at `url` with its value, as text. */
async function redisContents(url: string): Promise<Array<[string, string]>> {
  const redis = new Redis(url);
  try {
    const keys: Array<[string, string]> = [];
    for (const key of await redis.keys('*')) keys.push([`redis ${key}`, JSON.stringify(await redisValue(redis, key))]);
    return keys;
  } finally {
    redis.disconnect();
  }
}

describe('secrets of the environment, scaled out (serve --no-work with PATCHBAY_STORE, a worker with --store, as processes)', () => {
  const services = scaleServices();
  let dir: string;
  let server: PatchbayProcess & { url: string };
  let worker: PatchbayProcess;
  /** The store's URL with a password (PostgreSQL here trusts the loopback, so any password connects). */
  let store: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-env-secrets-'));
    store = services.store.replace('postgres://patchbay@', `postgres://patchbay:${STORE_PASSWORD}@`);
    const env = { ...baseEnv(), ...secretEnv(), STUB_BASE_URL: stub.url, PATCHBAY_STORE: store, PATCHBAY_DEMO: '0' };
    const serving = await spawnPatchbay(['serve', '--port', '0', '--data', dir, '--queue', services.redis.url, '--no-work'], env, /Patchbay listening on (http:\/\/\S+)/);
    server = { ...serving, url: serving.match[1] };
    // The worker is given the store as a flag: its password is as secret there as in PATCHBAY_STORE.
    const { PATCHBAY_STORE: _given, ...workerEnv } = env;
    worker = await spawnPatchbay(['worker', '--store', store, '--queue', services.redis.url], workerEnv, /taking jobs/);
  }, 180_000);
  afterAll(() => {
    worker?.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('are masked by the worker and the server: the run, both logs, every PostgreSQL row and Redis key', async () => {
    const post = (p: string, body: unknown) => fetch(`${server.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/api/pipelines', echoPipeline('knows', 'stub:model'))).status).toBe(201);
    const { id } = (await (await post('/api/runs', { pipeline: 'knows', inputs: { question: 'what do you know?' } })).json()) as { id: string };
    const run = await waitForRun({ api: (p, init) => fetch(`${server.url}${p}`, init) }, id, 30_000);
    expect(run.status).toBe('succeeded');
    expect(run.outputs.answer).toMatch(/^I know \[REDACTED\] and /);
    const rows = await postgresRows(services.store);
    const keys = await redisContents(services.redis.url);
    expect(rows.length).toBeGreaterThan(0);
    expect(leaksIn([['run', JSON.stringify(run)], ['serve', server.output()], ['worker', worker.output()], ...rows, ...keys, ...filesOf(dir)])).toEqual([]);
  });

  it('are masked by patchbay promote given the store as --store: its output and the evals it writes there', async () => {
    const ws = workspace({
      'cases.jsonl': JSON.stringify({ id: 'c1', input: { question: 'what do you know?' }, expected: 'know' }),
      'suite.json': { format: 'patchbay.eval/v1', dataset: 'cases.jsonl', scorers: [{ name: 'has', type: 'contains' }] },
    });
    try {
      const post = (p: string, body: unknown) => fetch(`${server.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post('/api/pipelines', echoPipeline('promoted', 'stub:model'))).status).toBe(201);
      const promote = await runCli(['promote', 'promoted', '--label', 'production', '--version', '1', '--suite', 'suite.json', '--store', store], ws.dir, cleanEnv({ STUB_BASE_URL: stub.url }));
      expect(promote.code, promote.stderr).toBe(0);
      const rows = await postgresRows(services.store);
      // This process has only the store's password (the model repeats the others, which are no secrets here).
      expect(rows.find(([table]) => table === 'table eval_cases')?.[1]).toContain(`${QUEUE_PASSWORD} and [REDACTED]`);
      expect(leaksIn([['promote', promote.stdout + promote.stderr], ...rows], [STORE_PASSWORD])).toEqual([]);
    } finally {
      ws.remove();
    }
  });

  it("keep a run's inputs out of Redis while its job waits and runs: they are queued masked", async () => {
    const post = (p: string, body: unknown) => fetch(`${server.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const asked = stub.requests.length;
    const started = await post('/api/runs', { pipeline: 'knows', inputs: { question: `HANG on, my token is ${METRICS_TOKEN}` } });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };
    // The worker has taken the job and called the model (which never answers): the job is in Redis now.
    const deadline = Date.now() + 20_000;
    while (stub.requests.length === asked && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const call = stub.requests.at(-1)!;
    const keys = await redisContents(services.redis.url);
    expect(keys.some(([key]) => key === `redis patchbay:run:${id}`)).toBe(true);
    expect(leaksIn(keys)).toEqual([]);
    // The worker ran what was queued: the input as the run's record has it.
    expect(String(call.body.messages.at(-1).content)).toContain('my token is [REDACTED]');
    expect((await post(`/api/runs/${id}/cancel`, {})).status).toBe(200);
  });
});
