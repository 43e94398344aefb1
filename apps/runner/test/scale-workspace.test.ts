import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelService, createOfflineProvider, openRetrievalStore } from '@patchbay/core/node';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { baseEnv, spawnPatchbay, type PatchbayProcess } from './support/patchbay-process';
import { scaleServices } from './support/scale-services';
import { cleanEnv, runCli } from './cli-child';

// #16.5: a worker with no data dir and no config file runs retrieve nodes over index artifacts and tools of the server's config.
const DOCS = [
  { id: 'refunds', source: 'refunds.md', text: 'Refunds are issued to the original payment method within five business days after the returned lamp arrives.' },
  { id: 'shipping', source: 'shipping.md', text: 'Standard shipping takes three to seven days. Express shipping arrives within two days.' },
  { id: 'warranty', source: 'warranty.md', text: 'Every lamp carries a two-year warranty covering defects in materials and workmanship.' },
];
const LATE = { id: 'refund-policy', source: 'policy.md', text: 'Refund requests for a lamp bought in a shop are refunded in the shop, refund in cash.' };
const GW_TOKEN = 'gw-secret-4f9a0c7e21';
let stub: OpenAIStub;
const config = (suffix: string) => ({
  // A provider whose key variable the config names (not a *_API_KEY one): only the worker has it.
  providers: { gw: { baseURL: stub.url, apiKeyEnv: 'GW_TOKEN' } },
  tools: {
    custom: [{ name: 'shout', description: 'upper-cases text', parameters: { type: 'object', properties: { text: { type: 'string' } } }, code: `return String(args.text).toUpperCase() + '${suffix}'` }],
    sql: [{ name: 'shop', database: 'shop.sqlite' }], // relative to the config file: resolved by the server before it is shared
  },
});
const pipeline = {
  format: 'patchbay.pipeline/v1',
  name: 'ask',
  nodes: [
    { id: 'question', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'search', type: 'retrieve', config: { index: 'docs', topK: 3, mode: 'hybrid' } },
    { id: 'loud', type: 'tool', config: { tool: 'shout', parameters: ['text'] } },
    { id: 'sql', type: 'input', config: { name: 'sql', valueType: 'string', default: 'SELECT count(*) AS n FROM lamps' } },
    { id: 'rows', type: 'tool', config: { tool: 'shop', parameters: ['sql'] } },
    { id: 'docs', type: 'output', config: { name: 'docs' } },
    { id: 'shouted', type: 'output', config: { name: 'shouted' } },
    { id: 'counted', type: 'output', config: { name: 'counted' } },
  ],
  edges: [
    { from: 'question.value', to: 'search.query' },
    { from: 'question.value', to: 'loud.text' },
    { from: 'sql.value', to: 'rows.sql' },
    { from: 'search.documents', to: 'docs.value' },
    { from: 'loud.result', to: 'shouted.value' },
    { from: 'rows.result', to: 'counted.value' },
  ],
};

describe('scaled out: what a worker with no data dir and no config file needs comes from the store', () => {
  const services = scaleServices();
  let root: string;
  const processes: PatchbayProcess[] = [];
  let server: string;
  let worker: PatchbayProcess;
  const workerCache = () => path.join(root, 'worker-cache');
  const post = (base: string, p: string, body: unknown) => fetch(`${base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const serve = async (dataDir: string, extra: string[] = []) => {
    const p = await spawnPatchbay(['serve', '--port', '0', '--data', dataDir, '--store', services.store, '--queue', services.redis.url, '--no-work', ...extra], { ...baseEnv(), PATCHBAY_DEMO: '0' }, /Patchbay listening on (http:\/\/\S+)/);
    processes.push(p);
    return p.match[1];
  };
  const finished = async (base: string, id: string) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const run = await (await fetch(`${base}/api/runs/${id}`)).json();
      if (run.status !== 'running' || Date.now() > deadline) return run;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const startRun = async (base: string, question: string) => {
    const res = await post(base, '/api/runs', { pipeline: 'ask', inputs: { question } });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const search = async (base: string, index: string, query: string) => (await (await post(base, `/api/indexes/${index}/search`, { query, topK: 3, mode: 'hybrid' })).json()).documents;
  const evalStatus = async (id: string) => (await (await fetch(`${server}/api/evals/${id}`)).json()).status;
  /** Starts an eval of `pipelineName` over a new dataset of `cases`, each passing when its output `target` contains what it expects. */
  const startEval = async (pipelineName: string, dataset: string, cases: unknown[], target: string) => {
    expect((await post(server, '/api/datasets', { name: dataset, cases })).status).toBe(201);
    const started = await post(server, '/api/evals', { pipeline: pipelineName, dataset, suite: { scorers: [{ name: 'found', type: 'contains', target }] } });
    expect(started.status).toBe(201);
    return ((await started.json()) as { id: string }).id;
  };
  /** The eval's spec (with its pins) is in Redis once its cases are being queued. */
  const specQueued = (client: Redis, id: string) => expect.poll(() => client.exists(`patchbay:eval-spec:${id}`), { timeout: 20_000 }).toBe(1);
  const cancelEval = async (id: string) => {
    expect((await post(server, `/api/evals/${id}/cancel`, {})).status).toBeLessThan(300);
    await expect.poll(() => evalStatus(id), { timeout: 20_000 }).not.toBe('running');
  };
  /** Adds `doc` to `index` through the API: the server's own search finds it for `question` from now on. */
  const reindex = async (index: string, doc: { id: string; source: string; text: string }, question: string) => {
    expect((await post(server, `/api/indexes/${index}/documents`, { documents: [doc] })).status).toBe(201);
    expect((await search(server, index, question)).map((d: { id: string }) => d.id)).toContain(doc.id);
  };
  const startWorker = async () => {
    worker = await spawnPatchbay(['worker', '--store', services.store, '--queue', services.redis.url, '--cache-dir', workerCache()], { ...baseEnv(), GW_TOKEN }, /taking jobs/);
    processes.push(worker);
  };
  /** Each case of an eval, with the documents its run found. */
  const caseDocs = async (id: string) => ((await (await fetch(`${server}/api/evals/${id}`)).json()).cases as Array<{ id: string; outputs: { docs: unknown } }>).map((c) => [c.id, c.outputs.docs]);
  const sqlCount = async (query: string) => {
    const client = new pg.Client({ connectionString: services.store });
    await client.connect();
    try {
      return Number((await client.query(query)).rows[0].n);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    stub = await startOpenAIStub({ handler: (req) => ({ text: `your key is ${String(req.headers.authorization).replace('Bearer ', '')}` }) });
    root = mkdtempSync(path.join(tmpdir(), 'patchbay-scale-ws-'));
    const data = path.join(root, 'server');
    mkdirSync(data);
    writeFileSync(path.join(data, 'patchbay.config.json'), JSON.stringify(config('!')));
    const shop = new Database(path.join(data, 'shop.sqlite'));
    shop.exec("CREATE TABLE lamps (name TEXT); INSERT INTO lamps VALUES ('desk'), ('floor')");
    shop.close();
    // An index built in the data dir before the server starts: published at start.
    const local = openRetrievalStore({ dataDir: data, models: createModelService({ offline: createOfflineProvider() }) });
    await local.ingest('faq', DOCS);
    local.close();
    server = await serve(data);
    expect((await post(server, '/api/pipelines', pipeline)).status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGKILL');
    await stub?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('runs retrieve and tool nodes on the worker with the index contents and config of when each run was enqueued', async () => {
    expect((await post(server, '/api/indexes/docs/documents', { documents: DOCS })).status).toBe(201);
    const question = 'how are refunds paid for a lamp';
    const before = await search(server, 'docs', question);
    const early = await startRun(server, question); // queued while no worker runs: pinned to the index as it is now
    expect((await post(server, '/api/indexes/docs/documents', { documents: [LATE] })).status).toBe(201);
    const after = await search(server, 'docs', question);
    expect(after.map((d: { id: string }) => d.id)).toContain('refund-policy');
    const late = await startRun(server, question);

    // The worker: its own empty working dir, no --data, no config, no PATCHBAY_DATA.
    const cwd = path.join(root, 'worker-cwd');
    mkdirSync(cwd);
    worker = await spawnPatchbay(['worker', '--store', services.store, '--queue', services.redis.url, '--cache-dir', workerCache()], { ...baseEnv(), GW_TOKEN }, /taking jobs/, cwd);
    processes.push(worker);
    const [a, b] = [await finished(server, early), await finished(server, late)];
    expect(a).toMatchObject({ status: 'succeeded', outputs: { shouted: `${question.toUpperCase()}!` } });
    expect(a.outputs.counted.rows).toEqual([{ n: 2 }]);
    // The same hits as the server's own (embedded) search, each against the contents of its time.
    expect(a.outputs.docs).toEqual(before);
    expect(b.outputs.docs).toEqual(after);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('stores equal index contents once, and fetches each artifact once into the worker cache', async () => {
    expect((await post(server, '/api/indexes/docs-copy/documents', { documents: [...DOCS, LATE] })).status).toBe(201);
    const names = await sqlCount("SELECT count(*) AS n FROM artifact_names WHERE kind = 'index'");
    expect(names).toBe(3); // faq, docs, docs-copy
    // docs had two contents (before and after the late document); docs-copy has the second one again; faq has the first.
    expect(await sqlCount("SELECT count(*) AS n FROM artifacts WHERE kind = 'index'")).toBe(2);
    for (let i = 0; i < 3; i++) expect((await finished(server, await startRun(server, `question ${i} about shipping`))).status).toBe('succeeded');
    const fetched = worker.output().match(/fetched index artifact [0-9a-f]{64}/g) ?? [];
    expect(fetched).toHaveLength(2); // each of docs' two contents once, whatever the number of runs
    expect(new Set(fetched).size).toBe(2);
    const files = readdirSync(path.join(workerCache(), 'artifacts'));
    expect(files.sort()).toEqual(fetched.map((line) => `${line.split(' ').at(-1)}.sqlite`).sort()); // no temp file left
  });

  it('runs the cases of an eval on the worker with the workspace pinned when the eval started', async () => {
    const cases = ['refund lamp', 'express shipping', 'warranty defects'].map((question, i) => ({ id: `c${i}`, input: { question }, expected: `${question.toUpperCase()}!` }));
    expect((await post(server, '/api/datasets', { name: 'questions', cases })).status).toBe(201);
    const started = await post(server, '/api/evals', { pipeline: 'ask', dataset: 'questions', suite: { scorers: [{ name: 'loud', type: 'contains', target: 'shouted' }] } });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };
    const deadline = Date.now() + 60_000;
    let result: any;
    do {
      await new Promise((r) => setTimeout(r, 200));
      result = await (await fetch(`${server}/api/evals/${id}`)).json();
    } while (result.status === 'running' && Date.now() < deadline);
    expect(result.status).toBe('succeeded');
    expect(result.cases.map((c: { status: string }) => c.status)).toEqual(['passed', 'passed', 'passed']);
    for (const c of result.cases) expect(c.outputs.docs).toEqual(await search(server, 'docs', c.input.question));
  });

  it('runs each job with the config of the server that enqueued it', async () => {
    const other = path.join(root, 'server-2');
    mkdirSync(other);
    writeFileSync(path.join(other, 'patchbay.config.json'), JSON.stringify(config('!!')));
    new Database(path.join(other, 'shop.sqlite')).exec("CREATE TABLE lamps (name TEXT); INSERT INTO lamps VALUES ('wall')");
    const second = await serve(other);
    const [one, two] = await Promise.all([startRun(server, 'hi'), startRun(second, 'hi')]);
    expect((await finished(server, one)).outputs).toMatchObject({ shouted: 'HI!', counted: { rows: [{ n: 2 }] } });
    expect((await finished(second, two)).outputs).toMatchObject({ shouted: 'HI!!', counted: { rows: [{ n: 1 }] } });
  });

  it('calls a provider of the shared config with the key from the worker environment, and masks that key in what it records', async () => {
    const leak = { format: 'patchbay.pipeline/v1', name: 'leak', nodes: [
      { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
      { id: 'answer', type: 'llm', config: { model: 'gw:m', prompt: '{{ question }}', temperature: 0 } },
      { id: 'out', type: 'output', config: { name: 'answer' } },
    ], edges: [{ from: 'q.value', to: 'answer.question' }, { from: 'answer.text', to: 'out.value' }] };
    expect((await post(server, '/api/pipelines', leak)).status).toBe(201);
    const res = await post(server, '/api/runs', { pipeline: 'leak', inputs: { question: 'what is my key?' } });
    const run = await finished(server, ((await res.json()) as { id: string }).id);
    expect(run.error ?? run.status).toBe('succeeded');
    expect(stub.requests.at(-1)!.headers.authorization).toBe(`Bearer ${GW_TOKEN}`);
    expect(run.outputs.answer).toBe('your key is [REDACTED]');
    expect(JSON.stringify(run)).not.toContain(GW_TOKEN.slice(0, 8));
  });

  it('refuses to share a config holding a literal secret, naming its JSON path', async () => {
    const bad = path.join(root, 'server-bad');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'patchbay.config.json'), JSON.stringify({ mcpServers: { files: { command: 'mcp-files', env: { FILES_TOKEN: 'literal-secret-value' } } } }));
    const refused = spawnPatchbay(['serve', '--port', '0', '--data', bad, '--store', services.store, '--queue', services.redis.url], { ...baseEnv(), PATCHBAY_DEMO: '0' }, /Patchbay listening/);
    const error = await refused.then(
      (p) => (processes.push(p), ''),
      (err: Error) => err.message,
    );
    expect(error).toMatch(/exited \(2\)/);
    expect(error).toContain('mcpServers.files.env.FILES_TOKEN: a literal value cannot be shared with workers');
    expect(error).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('publishes an index changed by `patchbay index --store` while the server runs: the next run on the worker uses it', async () => {
    const file = path.join(root, 'warranty.jsonl');
    writeFileSync(file, JSON.stringify({ id: 'warranty-by-post', text: 'Warranty claims for a broken lamp go by post to the lamp workshop.' }) + '\n');
    const question = 'warranty claims for a broken lamp by post';
    const before = await finished(server, await startRun(server, question));
    expect(before.outputs.docs.map((d: { id: string }) => d.id)).not.toContain('warranty-by-post');

    const indexed = await runCli(['index', 'docs', file, '--data', path.join(root, 'server'), '--store', services.store], root, cleanEnv());
    expect(indexed.stderr).toBe('');
    expect(indexed.code).toBe(0);
    expect(indexed.stdout).toMatch(/^published "docs" to the store postgres:\/\/\S+ as [0-9a-f]{12}$/m);

    // Nothing restarted: the run enqueued now is pinned to what the command published.
    const after = await finished(server, await startRun(server, question));
    expect(after.status).toBe('succeeded');
    expect(after.outputs.docs.map((d: { id: string }) => d.id)).toContain('warranty-by-post');
    expect(after.outputs.docs).toEqual(await search(server, 'docs', question));
  }, 120_000);

  it('refuses a --store it cannot use with exit 2, and says the data dir has the index when the store is out of reach', async () => {
    const file = path.join(root, 'one.txt');
    writeFileSync(file, 'one more document\n');
    const data = path.join(root, 'cli-data');
    const bad = await runCli(['index', 'more', file, '--data', data, '--store', 'mysql://db/x'], root, cleanEnv());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--store must be a data dir (sqlite:DIR or a path) or a postgres:// URL');
    const typo = await runCli(['index', 'more', file, '--data', data, '--store', path.join(root, 'sever')], root, cleanEnv());
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(`--store ${path.join(root, 'sever')} holds no Patchbay store (runner.sqlite)`);
    expect(readdirSync(root)).not.toContain('sever');
    const away = await runCli(['index', 'more', file, '--data', data], root, cleanEnv({ PATCHBAY_STORE: 'postgres://nobody:hunter2@127.0.0.1:1/none' }));
    expect(away.code).toBe(1);
    expect(away.stdout).toMatch(/^indexed 1 chunk from 1 file into "more"/);
    // one line: what was done, why the rest was not (the store named once), and what to do
    expect(away.stderr.split('\n').at(-2)).toMatch(/^patchbay index: indexed "more" in the data dir, but could not publish it to the store postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none: nothing answers at 127\.0\.0\.1:1 \(the connection was refused\); run this again once the store answers \(or restart patchbay serve on this data dir: it publishes its indexes as it starts\)$/);
    expect(away.stderr).not.toContain('hunter2');
    expect(away.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it('resumes an eval with the index contents it was pinned to when it first started, though the index changed in between', async () => {
    // No worker for now: the eval's cases wait in the queue.
    for (const p of processes) p.child.kill('SIGKILL');
    server = await serve(path.join(root, 'server'));
    const questions = ['returns sent by post', 'refunds sent by post'];
    const cases = questions.map((question, i) => ({ id: `p${i}`, input: { question }, expected: `${question.toUpperCase()}!` }));
    const id = await startEval('ask', 'by-post', cases, 'shouted');
    const pinnedDocs = await Promise.all(questions.map((q) => search(server, 'docs', q)));
    // Cancelled only once its pins are in Redis.
    const redisClient = new Redis(services.redis.url);
    try {
      await specQueued(redisClient, id);
    } finally {
      redisClient.disconnect();
    }
    await cancelEval(id);

    // The index changes while the eval waits to be resumed.
    const extra = { id: 'by-post-desk', source: 'post.md', text: 'Returns and refunds sent by post go to the returns desk, sent by post only.' };
    await reindex('docs', extra, questions[0]);

    await startWorker();
    expect((await post(server, `/api/evals/${id}/resume`, {})).status).toBeLessThan(300);
    await expect.poll(() => evalStatus(id), { timeout: 60_000 }).toBe('succeeded');
    expect(await caseDocs(id)).toEqual([
      ['p0', pinnedDocs[0]],
      ['p1', pinnedDocs[1]],
    ]);
  }, 120_000);

  it('pins a resumed eval whose pins Redis lost as its start did, with the index of the pipeline it calls: a re-index mid-eval does not split it', async () => {
    // No worker for now: the resumed eval's cases wait in the queue until the called pipeline's index changed.
    worker.child.kill('SIGKILL');
    const manuals = [
      { id: 'lamp-bulb', source: 'bulb.md', text: 'The desk lamp takes an E14 bulb of at most 40 watts.' },
      { id: 'lamp-cord', source: 'cord.md', text: 'A frayed lamp cord must be replaced by the lamp workshop.' },
    ];
    expect((await post(server, '/api/indexes/manuals/documents', { documents: manuals })).status).toBe(201);
    // lookup reads "manuals"; desk, the version evaluated, has no retrieve node of its own and calls lookup.
    const lookup = { ...pipeline, name: 'lookup', nodes: [pipeline.nodes[0], { ...pipeline.nodes[1], config: { ...pipeline.nodes[1].config, index: 'manuals' } }, pipeline.nodes[5]], edges: [pipeline.edges[0], pipeline.edges[3]] };
    const desk = {
      format: 'patchbay.pipeline/v1',
      name: 'desk',
      nodes: [
        { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
        { id: 'p', type: 'pipeline', config: { ref: 'lookup@v1' } },
        { id: 'out', type: 'output', config: { name: 'docs' } },
      ],
      edges: [
        { from: 'q.value', to: 'p.question' },
        { from: 'p.docs', to: 'out.value' },
      ],
    };
    expect((await post(server, '/api/pipelines', lookup)).status).toBe(201);
    expect((await post(server, '/api/pipelines', desk)).status).toBe(201);
    const questions = ['which bulb for the desk lamp', 'who replaces a lamp cord'];
    const cases = questions.map((question, i) => ({ id: `m${i}`, input: { question }, expected: 'lamp' }));
    const id = await startEval('desk', 'manual-questions', cases, 'docs');
    const pinnedDocs = await Promise.all(questions.map((q) => search(server, 'manuals', q)));
    const redisClient = new Redis(services.redis.url);
    try {
      await specQueued(redisClient, id);
      const startPins = JSON.parse((await redisClient.get(`patchbay:eval-pins:${id}`))!);
      expect(Object.keys(startPins.indexes)).toEqual(['manuals']);
      await cancelEval(id);

      // Redis lost the eval's pins (restarted empty, or they lapsed): the resume pins the eval again, as its start did.
      expect(await redisClient.del(`patchbay:eval-pins:${id}`)).toBe(1);
      expect((await post(server, `/api/evals/${id}/resume`, {})).status).toBeLessThan(300);
      await specQueued(redisClient, id);
      expect(JSON.parse((await redisClient.get(`patchbay:eval-pins:${id}`))!)).toEqual(startPins);
    } finally {
      redisClient.disconnect();
    }

    // The called pipeline's index is re-indexed while the resumed eval runs: its cases still read what it pinned.
    const late = { id: 'lamp-bulb-led', source: 'led.md', text: 'Which bulb for the desk lamp: an LED bulb for the desk lamp, never a halogen bulb.' };
    await reindex('manuals', late, questions[0]);
    await startWorker();
    await expect.poll(() => evalStatus(id), { timeout: 60_000 }).toBe('succeeded');
    expect(await caseDocs(id)).toEqual([
      ['m0', pinnedDocs[0]],
      ['m1', pinnedDocs[1]],
    ]);
  }, 120_000);
});
