import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { startRedis, type TestRedis } from '../../../test/support/redis-server';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres';
import { allSseEvents, echoPipeline, waitForRun } from './support/test-runner';
import { baseEnv, spawnPatchbay, type PatchbayProcess } from './support/patchbay-process';

const CASES = Array.from({ length: 120 }, (_, i) => ({ id: `case-${i + 1}`, input: { question: `word${i + 1}` }, expected: `word${i + 1}` }));

describe('scaled out: PostgreSQL or Redis goes away mid-eval and comes back', () => {
  let redis: TestRedis;
  let postgres: PostgresServer;
  let stub: OpenAIStub;
  let dir: string;
  let server: PatchbayProcess & { url: string };
  let worker: PatchbayProcess;
  const api = (p: string, init?: RequestInit) => fetch(`${server.url}${p}`, init);
  const post = (p: string, body: unknown) => api(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  let startServer: () => Promise<void>;
  let startWorker: () => Promise<void>;
  let storeUrl: string;

  beforeAll(async () => {
    [redis, postgres] = await Promise.all([startRedis({ persistent: true }), startPostgres()]);
    const store = (storeUrl = await postgres.createDatabase());
    stub = await startOpenAIStub({
      handler: async (req) => {
        await new Promise((r) => setTimeout(r, String(req.body?.messages?.at(-1)?.content).startsWith('slow ') ? 2000 : 50));
        return { text: `answer: ${req.body?.messages?.at(-1)?.content}` };
      },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-pg-restart-'));
    const env = { ...baseEnv(), STUB_BASE_URL: stub.url, STUB_API_KEY: 'sk-x' };
    startServer = async () => {
      const serving = await spawnPatchbay(['serve', '--port', '0', '--data', dir, '--store', store, '--queue', redis.url, '--no-work'], { ...env, PATCHBAY_DEMO: '0' }, /Patchbay listening on (http:\/\/\S+)/);
      server = { ...serving, url: serving.match[1] };
    };
    await startServer();
    startWorker = async () => void (worker = await spawnPatchbay(['worker', '--store', store, '--queue', redis.url, '--concurrency', '4', '--stalled-ms', '1000'], env, /taking jobs/));
    await startWorker();
    expect((await post('/api/pipelines', echoPipeline('qa', 'stub:model'))).status).toBe(201);
    expect((await post('/api/datasets', { name: 'words', cases: CASES })).status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    await stub?.close();
    await redis?.stop();
    await postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts an eval of CASES and answers its id once ~20 of its model calls were made. */
  async function evalUnderWay(): Promise<string> {
    const calls = stub.requests.length;
    const res = await post('/api/evals', { pipeline: 'qa', dataset: 'words', suite: { scorers: [{ name: 'mentions', type: 'contains' }], concurrency: 4 } });
    expect(res.status).toBe(201);
    await expect.poll(() => stub.requests.length - calls, { timeout: 30_000 }).toBeGreaterThan(20);
    expect(stub.requests.length - calls).toBeLessThan(CASES.length);
    return (await res.json()).id;
  }

  /** Waits for the eval to end (the store may be out of reach meanwhile) and answers it; it succeeded. */
  async function endedEval(id: string, timeout: number) {
    let result: any;
    await expect
      .poll(async () => {
        const r = await api(`/api/evals/${id}`);
        result = r.status === 200 ? await r.json() : { status: `http ${r.status}` };
        return result.status;
      }, { timeout, interval: 1000 })
      .not.toMatch(/running|queued|http/);
    expect(result.status, `${result.error ?? ''}\n${worker.output().slice(-2000)}\n${server.output().slice(-2000)}`).toBe('succeeded');
    return result;
  }

  /** Waits for the eval to end; it succeeded with every case exactly once, and no process died. */
  async function expectEveryCaseOnce(id: string) {
    const result = await endedEval(id, 90_000);
    const ids = result.cases.map((c: { id: string }) => c.id);
    expect(new Set(ids).size).toBe(CASES.length);
    expect(ids).toHaveLength(CASES.length);
    expect(result.summary).toMatchObject({ cases: CASES.length, passed: CASES.length, errors: 0 });
    expect(worker.child.exitCode).toBeNull();
    expect(server.child.exitCode).toBeNull();
  }

  // The cases in flight when the store went away could not be recorded: their jobs run again once it
  // is back (the stub sees a few more calls than cases), and a case recorded before is not recorded twice.
  it('PostgreSQL stopped at once and started 4 s later: the eval ends with every case exactly once', async () => {
    const id = await evalUnderWay();
    await postgres.kill();
    await new Promise((r) => setTimeout(r, 4000));
    await postgres.restart();
    await expectEveryCaseOnce(id);
    // the worker said which cases it could not record, and why
    expect(worker.output()).toMatch(/could not finish case "case-\d+" of eval \S+: .+; it will be run again/);
  }, 150_000);

  // Redis with an append-only file fsynced at every write (docs/scaling.md): what it acknowledged
  // survives kill -9; the worker, the front door and the eval's coordinator reconnect and carry on.
  // Down for longer than the coordinator's 5 s sweep, so the coordinator asks Redis while it is gone.
  it('Redis killed with kill -9 and started 6 s later: the eval ends with every case exactly once', async () => {
    const id = await evalUnderWay();
    const before = worker.output().length;
    await redis.restart(6000);
    await expectEveryCaseOnce(id);
    // What the outage did to the worker's log: each kind of error once (with a count when it repeats
    // past a minute), not a line per reconnect attempt of each connection (~2 a second, for as long as it lasts).
    const lines = worker.output().slice(before).trim().split('\n');
    const refused = lines.filter((line) => /ECONNREFUSED/.test(line));
    expect(refused.length, refused.join('\n')).toBeLessThanOrEqual(2);
  }, 150_000);

  // A Redis without persistence (or whose files were lost) comes back empty: the case jobs are gone, and so is
  // the eval's spec that a worker builds its case runner from. The coordinator queues the lost cases again;
  // a worker that had not built this eval's runner yet (a new one, here) found no spec and dropped each case
  // without a word, so the eval never ended.
  it('Redis comes back empty mid-eval and a new worker takes over: the eval ends with every case exactly once', async () => {
    const id = await evalUnderWay();
    worker.child.kill('SIGKILL');
    await worker.exited;
    const client = new Redis(redis.url);
    try {
      await client.flushall();
    } finally {
      client.disconnect();
    }
    await startWorker();
    await expectEveryCaseOnce(id);
  }, 150_000);

  // A front door that restarts (a deploy, a crash) finds the `running` rows its old process wrote. Those whose
  // jobs wait in the queue are not orphans: a worker runs them. Before, they became "interrupted" and the
  // worker, reading that, dropped them: runs answered 201 were never run.
  it('a front door restarted while runs wait in the queue: the worker runs them afterwards', async () => {
    worker.child.kill('SIGSTOP'); // no worker takes them while the front door restarts
    let ids: string[];
    try {
      const started = await Promise.all([1, 2, 3].map((n) => post('/api/runs', { pipeline: 'qa', inputs: { question: `queued ${n}` } })));
      expect(started.map((r) => r.status)).toEqual([201, 201, 201]);
      ids = await Promise.all(started.map(async (r) => (await r.json()).id as string));
      server.child.kill('SIGTERM');
      await server.exited;
      await startServer();
      for (const id of ids) expect((await (await api(`/api/runs/${id}`)).json()).status).toBe('running');
    } finally {
      worker.child.kill('SIGCONT');
    }
    for (const id of ids) {
      expect((await waitForRun({ api }, id, 30_000)).status).toBe('succeeded');
    }
  }, 150_000);

  // A run's outcome is what every other process reads: a worker that cannot record it holds the job and
  // tries again until the store is back. Before, it logged "could not record run", acknowledged the job,
  // and the run stayed `running` for good (only a front door's restart turned it "interrupted").
  it('PostgreSQL gone while a run ends on the worker: the run is recorded once the store is back', async () => {
    const calls = stub.requests.length;
    const res = await post('/api/runs', { pipeline: 'qa', inputs: { question: 'slow while the store is away' } });
    expect(res.status).toBe(201);
    const { id } = await res.json();
    await expect.poll(() => stub.requests.length - calls, { timeout: 30_000 }).toBe(1);
    await postgres.kill();
    try {
      await expect.poll(() => worker.output().includes(`could not record run ${id}`), { timeout: 30_000 }).toBe(true);
    } finally {
      await postgres.restart();
    }
    expect((await waitForRun({ api }, id, 30_000)).status).toBe('succeeded');
    expect((await (await api(`/api/runs/${id}`)).json()).outputs).toEqual({ answer: 'answer: slow while the store is away' });
    expect(stub.requests.length - calls).toBe(1); // recorded, not run again
    expect(worker.child.exitCode).toBeNull();
  }, 120_000);

  // The eval's coordinator (the front door that started it) reads the cases back and records the result
  // once the last case is in. With the store gone at that moment, that failed, so did recording the
  // failure, and the eval stayed `running` for good (with the store back in between, it would have ended
  // `failed` though every case was recorded). The coordinator now waits for the store and finishes it.
  it('PostgreSQL gone as an eval ends: the eval is recorded as succeeded once the store is back', async () => {
    const question = 'slow last case';
    expect((await post('/api/datasets', { name: 'last-slow', cases: [{ id: 'only', input: { question }, expected: question }] })).status).toBe(201);
    const calls = stub.requests.length;
    const res = await post('/api/evals', { pipeline: 'qa', dataset: 'last-slow', suite: { scorers: [{ name: 'mentions', type: 'contains' }] } });
    expect(res.status).toBe(201);
    const { id } = await res.json();
    await expect.poll(() => stub.requests.length - calls, { timeout: 30_000 }).toBe(1);
    server.child.kill('SIGSTOP'); // the coordinator hears of the case only once the store is gone
    const db = new pg.Client({ connectionString: storeUrl });
    try {
      await db.connect();
      const recorded = async () => (await db.query('select count(*)::int as n from eval_cases where eval_id = $1', [id])).rows[0].n;
      await expect.poll(recorded, { timeout: 30_000 }).toBe(1);
    } finally {
      await db.end();
      await postgres.kill();
      server.child.kill('SIGCONT');
    }
    await new Promise((r) => setTimeout(r, 3000)); // the coordinator tries meanwhile
    await postgres.restart();
    const result = await endedEval(id, 60_000);
    expect(result.cases.map((c: { id: string }) => c.id)).toEqual(['only']);
    expect(result.summary).toMatchObject({ cases: 1, passed: 1, errors: 0 });
    expect(stub.requests.length - calls).toBe(1); // recorded, not run again
    expect(server.child.exitCode).toBeNull();
  }, 120_000);

  // Every run's stream ends with run.completed or run.failed (docs/api.md). The events a worker could not
  // publish while Redis was gone (and the stream's end marker) never reach Redis; the front door's stream
  // of the run used to stop after the last event Redis had, with no end. And what is recorded is readable
  // throughout: a finished run's events come from the store, not a 503 because Redis cannot say it is live.
  it('Redis killed while a run streams from a worker: the stream ends with run.completed, and the finished run reads from the store meanwhile', async () => {
    const calls = stub.requests.length;
    const res = await post('/api/runs?stream=true', { pipeline: 'qa', inputs: { question: 'slow while redis is away' } });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-run-id')!;
    const streamed = allSseEvents(res);
    await expect.poll(() => stub.requests.length - calls, { timeout: 30_000 }).toBe(1);
    const restarted = redis.restart(5000);
    try {
      // The model answers 2 s after it was asked: the run ends (recorded in PostgreSQL) while Redis is gone.
      expect((await waitForRun({ api }, id, 10_000)).status).toBe('succeeded');
      const read = await api(`/api/runs/${id}/events`);
      expect(read.status).toBe(200);
      expect((await allSseEvents(read)).at(-1)!.event).toBe('run.completed');
    } finally {
      await restarted;
    }
    const events = await streamed;
    expect(events.at(-1)!.event).toBe('run.completed');
    expect(JSON.parse(events.at(-1)!.data).outputs).toEqual({ answer: 'answer: slow while redis is away' });
    expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i));
  }, 120_000);

  // Staging and production on one Redis database: a worker of the other store took this store's jobs and
  // could not run them (eval cases retried for ever, runs dropped and left `running`), without a word.
  it('refuses a worker whose --store is not the store of the queue it names: one line, exit 2', async () => {
    const other = await postgres.createDatabase();
    // A worker killed on this machine left its cache dir (as one killed above may have, or another test file's):
    // a worker that is refused must leave the machine as it found it and say one line, not tidy up first.
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const left = path.join(tmpdir(), `patchbay-worker-${deadPid}`);
    mkdirSync(left, { recursive: true });
    const started = Date.now();
    const wrong = spawnPatchbay(['worker', '--store', other, '--queue', redis.url], baseEnv(), /taking jobs/);
    void wrong.then((p) => p.child.kill('SIGKILL'), () => {}); // should it start after all, it must not outlive the test
    await expect(wrong).rejects.toThrow(/exited \(2\) before it was ready/);
    const output = await wrong.then(() => '', (err: Error) => err.message.replace(/^[^:]*: /, ''));
    expect(output.trim().split('\n')).toEqual([expect.stringMatching(/^patchbay worker: the queue at redis:\/\/127\.0\.0\.1:\d+ carries the jobs of another store: give each deployment its own Redis database/)]);
    expect(Date.now() - started).toBeLessThan(60_000);
    rmSync(left, { recursive: true, force: true });
    // The queue's own workers were not disturbed.
    const res = await post('/api/runs', { pipeline: 'qa', inputs: { question: 'still served' } });
    const { id } = await res.json();
    expect((await waitForRun({ api }, id, 30_000)).status).toBe('succeeded');
  }, 120_000);
});
