// `npm run bench -- scale [--quick]`: an eval of 4,000 cases (200 with --quick) through a one-node `llm`
// pipeline against the OpenAI-compatible stub (its own process, 50 ms latency), scaled out: a front door
// (`serve --queue --no-work`) and 4, then 2, then 1 `patchbay worker` processes at concurrency 8 each,
// over a Redis and a PostgreSQL store this bench starts; between the 4- and 2-worker runs, 4 workers with
// one killed by `kill -9` half way. An untimed eval warms the processes first: a fresh worker spends
// about twice the CPU a case of one that has run ~3,000 (JIT, heap, pools), and a deployment's workers
// are long-lived, so every timed run measures warm ones. The in-process reference (`serve` without a
// queue, SQLite, concurrency 32) is warmed the same way. Besides seconds it reports the CPU time per case
// of the workers and of the front door. For reference, the same questions go through the thinnest
// BullMQ workers (floor-worker.ts: one chat completion a job, nothing recorded), 4 then 1 of them at
// concurrency 8: the speedup any queue worker on these libraries reaches on this machine at this moment.
// Last line: JSON.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startPostgres } from '../../test/support/postgres';
import { startRedis } from '../../test/support/redis-server';
import { startStubProcess } from '../evals/stub-process';
import { cpuMs, startServe, startWorker, type Child } from './processes';
import { machineSpeedUs } from '../machine-speed';
import { oneLlmPipeline } from '../one-llm-pipeline';

const quick = process.argv.includes('--quick');
const CASES = quick ? 200 : 4000;
/** Untimed cases first: ~3,000 a worker bring its CPU per case to where it stays (bench/scale/case-cpu.ts shows the fall). */
const WARM_UP = quick ? 400 : 12_000;
/** A pause before each eval, so one run's background work (autovacuum, checkpoints) does not fall in the next. */
const SETTLE_MS = quick ? 500 : 5_000;
const LATENCY_MS = 50;
const PER_WORKER = 8;
const EVAL_CONCURRENCY = 32;

const PIPELINE = oneLlmPipeline('bench-scale');
const SUITE = { scorers: [{ name: 'echo', type: 'exact' }], concurrency: EVAL_CONCURRENCY };

interface Outcome {
  seconds: number;
  cases: number;
  unique: number;
  passed: number;
  requests: number;
  /** CPU time per case, ms: of the workers (together) and of the front door. */
  workerCpuPerCase: number;
  frontCpuPerCase: number;
  /** Commands Redis processed, and transactions the store's PostgreSQL committed, per case (scaled out only). */
  redisPerCase: number;
  pgPerCase: number;
}

// Before any process starts: the machine's own speed now, to compare runs taken at other times.
const yardstick = machineSpeedUs();
const dir = mkdtempSync(path.join(os.tmpdir(), 'patchbay-bench-scale-'));
const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
const stub = await startStubProcess(LATENCY_MS);
const env = { STUB_BASE_URL: stub.url, STUB_API_KEY: 'bench-key' };
const children: Child[] = [];
let counters: Counters | undefined;
try {
  const load = os.loadavg()[0];
  // Scaled out: one front door (it coordinates the eval), the store in PostgreSQL.
  const shared = await postgres.createDatabase('bench_scale');
  counters = await openCounters(redis.url, postgres.url);
  const front = await startServe(path.join(dir, 'front'), env, { queue: redis.url, store: shared });
  children.push(front);
  await setup(front.url, ['warm', 'w4', 'kill', 'w2', 'w1']);

  // The four workers start together and are warmed by one untimed eval; then the timed runs scale down
  // (4, 4 with one killed, 2, 1), so no timed run has a cold worker in it. Each run has its own
  // questions, so no worker's response cache answers one.
  const workers = await Promise.all(Array.from({ length: 4 }, (_, i) => startWorker(shared, redis.url, mkdtempSync(path.join(dir, `cache-${i}-`)), env, PER_WORKER)));
  children.push(...workers);
  await runEval(front, workers, 'warm', WARM_UP);
  const scaled: Record<number, Outcome> = {};
  scaled[4] = await runEval(front, workers, 'w4');
  let victim: Child | undefined = workers[0];
  const killed = await runEval(front, workers, 'kill', CASES, (done) => {
    if (done >= CASES / 2 && victim) {
      void victim.stop('SIGKILL');
      victim = undefined;
    }
  });
  workers.shift(); // the killed one
  await workers.shift()!.stop(); // SIGTERM: an idle worker leaves at once
  scaled[2] = await runEval(front, workers, 'w2');
  await workers.shift()!.stop();
  scaled[1] = await runEval(front, workers, 'w1');
  await Promise.all([front.stop(), ...workers.map((w) => w.stop())]);
  await counters.close();
  counters = undefined;

  // For reference: the same eval in one process, no queue.
  const alone = await startServe(path.join(dir, 'alone'), env);
  children.push(alone);
  await setup(alone.url, ['warm', 'alone']);
  await runEval(alone, [alone], 'warm', WARM_UP);
  const inProcess = await runEval(alone, [alone], 'alone');
  await alone.stop();

  const floor = await floorRuns();

  for (const [what, o] of [...Object.entries(scaled).map(([n, o]) => [`${n} worker(s)`, o] as const), ['4 workers, one killed', killed] as const, ['in-process', inProcess] as const]) {
    if (o.passed !== CASES && what !== '4 workers, one killed') throw new Error(`bench/scale: ${what} passed ${o.passed} of ${CASES} cases`);
  }
  const lost = CASES - killed.unique;
  const duplicated = killed.cases - killed.unique;
  const rows = [
    ['run', 'cases', 'passed', 'requests', 'seconds', 'cases/s', 'worker CPU ms/case', 'front CPU ms/case', 'Redis cmds/case', 'PG xacts/case'],
    ...[1, 2, 4].map((n) => row(`${n} worker(s) × ${PER_WORKER}`, scaled[n])),
    row(`4 workers, one kill -9'd half way`, killed),
    row(`in-process, concurrency ${EVAL_CONCURRENCY}`, inProcess),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(`\nscale: ${CASES} cases, one llm node, stub latency ${LATENCY_MS} ms, eval concurrency ${EVAL_CONCURRENCY}, ${PER_WORKER} per worker, PostgreSQL store; load average ${load.toFixed(2)} on ${os.availableParallelism()} cores; machine yardstick ${yardstick} µs`);
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  console.log(`kill -9 run: ${lost} lost, ${duplicated} duplicated; ${killed.requests - CASES} case(s) run again after the kill`);
  console.log(`floor (BullMQ workers × ${PER_WORKER}, one chat completion a job, nothing recorded): 1 worker ${floor.seconds1.toFixed(2)} s, 4 workers ${floor.seconds4.toFixed(2)} s, speedup ${(floor.seconds1 / floor.seconds4).toFixed(2)}`);
  console.log(
    JSON.stringify({
      bench: 'scale',
      seconds1: round(scaled[1].seconds),
      seconds2: round(scaled[2].seconds),
      seconds4: round(scaled[4].seconds),
      speedup4: round(scaled[1].seconds / scaled[4].seconds),
      lost,
      duplicated,
      inProcessSeconds: round(inProcess.seconds),
      floorSeconds1: round(floor.seconds1),
      floorSeconds4: round(floor.seconds4),
      floorSpeedup4: round(floor.seconds1 / floor.seconds4),
      machineSpeedUs: yardstick,
    }),
  );
} finally {
  for (const child of children) child.child.kill('SIGKILL');
  stub.stop();
  await redis.stop();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * 4 floor workers warmed by WARM_UP jobs, a timed run of CASES jobs on the 4, then on one of them alone.
 * Each job's question is its own, as in the evals; the bench waits for the queue's completed count.
 */
async function floorRuns(): Promise<{ seconds1: number; seconds4: number }> {
  const queue = new Queue('floor', { connection: { url: redis.url }, skipVersionCheck: true });
  const script = new URL('./floor-worker.ts', import.meta.url).pathname;
  const workers = await Promise.all(
    Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, redis.url, 'floor', String(PER_WORKER)], { env: { ...process.env, STUB_BASE_URL: stub.url }, stdio: ['ignore', 'pipe', 'inherit'] });
      children.push({ pid: child.pid!, child, stop: async () => void child.kill() });
      return new Promise<typeof child>((resolve, reject) => {
        child.stdout!.once('data', () => resolve(child));
        child.once('exit', (code) => reject(new Error(`bench/scale: a floor worker exited with ${code}`)));
      });
    }),
  );
  let sent = 0;
  const run = async (jobs: number) => {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const target = sent + jobs;
    const t = performance.now();
    for (let i = 0; i < jobs; i += 500) {
      const batch = Array.from({ length: Math.min(500, jobs - i) }, () => ({ name: 'case', data: { question: `Floor question ${sent}: what is ${sent} squared?` }, opts: { jobId: `f${sent++}` } }));
      await queue.addBulk(batch);
    }
    while ((await queue.getCompletedCount()) < target) await new Promise((resolve) => setTimeout(resolve, 20));
    return (performance.now() - t) / 1000;
  };
  await run(WARM_UP);
  const seconds4 = await run(CASES);
  for (const worker of workers.slice(1)) worker.kill();
  const seconds1 = await run(CASES);
  workers[0].kill();
  await queue.close();
  return { seconds1, seconds4 };
}

/** The pipeline and, per name, a dataset of questions of its own on a runner (WARM_UP of them for `warm`, else CASES). */
async function setup(url: string, names: string[]) {
  const dataset = (name: string) => {
    const cases = Array.from({ length: name === 'warm' ? WARM_UP : CASES }, (_, i) => `Question ${i} of ${name}: what is ${i} squared?`).map((q, i) => ({ id: `q${i}`, input: { question: q }, expected: q }));
    return { name, cases };
  };
  for (const [route, body] of [['/api/pipelines', PIPELINE], ...names.map((name) => ['/api/datasets', dataset(name)] as const)] as const) {
    const res = await fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`bench/scale: POST ${route}: ${res.status} ${await res.text()}`);
  }
}

/** Starts the eval on `front`, follows its event stream to the end (telling `onDone` the cases done), reads the result. */
async function runEval(front: Child & { url: string }, workers: Child[], dataset: string, cases = CASES, onDone?: (done: number) => void): Promise<Outcome> {
  const url = front.url;
  // The last run's aftermath (PostgreSQL's autovacuum of the rows it wrote, checkpoints) settles first.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const before = await stub.count();
  const cpuBefore = { workers: workers.map((w) => cpuMs(w.pid)), front: cpuMs(front.pid) };
  const countedBefore = await counters?.read();
  const t = performance.now();
  const res = await fetch(`${url}/api/evals`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pipeline: 'bench-scale', dataset, suite: SUITE }) });
  if (res.status !== 201) throw new Error(`bench/scale: POST /api/evals: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  const events = await fetch(`${url}/api/evals/${id}/events`);
  const decoder = new TextDecoder();
  let buffered = '';
  let ended = '';
  for await (const chunk of events.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let split: number;
    while ((split = buffered.indexOf('\n\n')) !== -1) {
      const block = buffered.slice(0, split);
      buffered = buffered.slice(split + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!data) continue;
      const event = JSON.parse(data) as { type: string; done?: number; status?: string };
      if (event.type === 'eval.case' && event.done !== undefined) onDone?.(event.done);
      if (event.type === 'eval.completed' || event.type === 'eval.failed') ended = event.status ?? event.type;
    }
  }
  const seconds = (performance.now() - t) / 1000;
  const workerCpu = workers.reduce((sum, w, i) => sum + (cpuMs(w.pid) ?? cpuBefore.workers[i] ?? 0) - (cpuBefore.workers[i] ?? 0), 0);
  const frontCpu = (cpuMs(front.pid) ?? 0) - (cpuBefore.front ?? 0);
  const countedAfter = await counters?.read();
  if (ended !== 'succeeded') throw new Error(`bench/scale: eval ${id} ended ${ended || 'without an outcome'}`);
  const result = (await (await fetch(`${url}/api/evals/${id}`)).json()) as { cases: Array<{ id: string; status: string }> };
  return {
    seconds,
    cases: result.cases.length,
    unique: new Set(result.cases.map((c) => c.id)).size,
    passed: result.cases.filter((c) => c.status === 'passed').length,
    requests: (await stub.count()) - before,
    workerCpuPerCase: workerCpu / cases,
    frontCpuPerCase: frontCpu / cases,
    redisPerCase: countedBefore && countedAfter ? (countedAfter.redis - countedBefore.redis) / cases : NaN,
    pgPerCase: countedBefore && countedAfter ? (countedAfter.pg - countedBefore.pg) / cases : NaN,
  };
}

function row(label: string, o: Outcome): string[] {
  return [label, String(o.cases), String(o.passed), String(o.requests), o.seconds.toFixed(2), (o.cases / o.seconds).toFixed(0), o.workerCpuPerCase.toFixed(2), o.frontCpuPerCase.toFixed(2), fixed(o.redisPerCase), fixed(o.pgPerCase)];
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function fixed(n: number): string {
  return Number.isNaN(n) ? '-' : n.toFixed(1);
}

interface Counters {
  read(): Promise<{ redis: number; pg: number }>;
  close(): Promise<void>;
}

/** Redis's commands processed and the bench database's committed transactions: what the scaled-out path asks of each per case. */
async function openCounters(redisUrl: string, pgUrl: string): Promise<Counters> {
  const client = new Redis(redisUrl);
  const db = new pg.Client({ connectionString: pgUrl });
  await db.connect();
  return {
    async read() {
      const info = await client.info('stats');
      // The counters' own queries are counted too: a few per run, not per case.
      const { rows } = await db.query(`SELECT pg_stat_clear_snapshot(), (SELECT xact_commit FROM pg_stat_database WHERE datname = 'bench_scale') AS n`);
      return { redis: Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0), pg: Number(rows[0].n) };
    },
    async close() {
      client.disconnect();
      await db.end();
    },
  };
}
