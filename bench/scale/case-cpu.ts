// `node --import tsx bench/scale/case-cpu.ts [CASES] [ROUNDS]`: what one eval case costs in CPU over every
// process of a scaled-out Patchbay — the workers, the front door, redis-server, PostgreSQL (the postmaster
// and its backends) and the stub — with 4 workers at concurrency 8 (bench/scale's 4-worker run), after a
// warm-up round. On 2 cores that total sets `seconds4`: the figure to compare between two checkouts run
// alternately, steadier than seconds on a shared machine. Prints a line per round and the medians.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPostgres } from '../../test/support/postgres';
import { startRedis } from '../../test/support/redis-server';
import { startStubProcess } from '../evals/stub-process';
import { cpuMs, startServe, startWorker, type Child } from './processes';
import { oneLlmPipeline } from '../one-llm-pipeline';

const [CASES, ROUNDS] = [Number(process.argv[2] ?? 2000), Number(process.argv[3] ?? 3)];
const PIPELINE = oneLlmPipeline('bench-scale');
const SUITE = { scorers: [{ name: 'echo', type: 'exact' }], concurrency: 32 };

const dir = mkdtempSync(path.join(os.tmpdir(), 'patchbay-case-cpu-'));
const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
const stub = await startStubProcess(50);
const env = { STUB_BASE_URL: stub.url, STUB_API_KEY: 'bench-key' };
const children: Child[] = [];
try {
  const shared = await postgres.createDatabase('bench_scale');
  const postmaster = postmasterPid(postgres.port);
  const front = await startServe(path.join(dir, 'front'), env, { queue: redis.url, store: shared });
  children.push(front);
  const names = Array.from({ length: ROUNDS + 1 }, (_, i) => `r${i}`);
  for (const [route, body] of [['/api/pipelines', PIPELINE], ...names.map((name) => ['/api/datasets', dataset(name)] as const)] as const) {
    const res = await fetch(`${front.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`POST ${route}: ${res.status} ${await res.text()}`);
  }
  const workers = await Promise.all(Array.from({ length: 4 }, (_, i) => startWorker(shared, redis.url, mkdtempSync(path.join(dir, `cache-${i}-`)), env, 8)));
  children.push(...workers);
  const groups = {
    workers: () => workers.map((w) => w.pid),
    front: () => [front.pid],
    redis: () => [redis.process.pid!],
    postgres: () => [postmaster, ...childrenOf(postmaster)],
    stub: () => childrenOf(process.pid).filter((pid) => !children.some((c) => c.pid === pid) && pid !== redis.process.pid),
  };
  const rows: Array<Record<string, number>> = [];
  for (const [i, name] of names.entries()) {
    const before = Object.fromEntries(Object.entries(groups).map(([g, pids]) => [g, cpuOf(pids())]));
    const t = performance.now();
    const res = await fetch(`${front.url}/api/evals`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pipeline: 'bench-scale', dataset: name, suite: SUITE }) });
    const { id } = (await res.json()) as { id: string };
    await (await fetch(`${front.url}/api/evals/${id}/events`)).text();
    const seconds = (performance.now() - t) / 1000;
    const result = (await (await fetch(`${front.url}/api/evals/${id}`)).json()) as { summary: { passed: number } };
    if (result.summary.passed !== CASES) throw new Error(`round ${name}: passed ${result.summary.passed} of ${CASES}`);
    const row: Record<string, number> = { seconds };
    let total = 0;
    for (const [g, pids] of Object.entries(groups)) {
      row[g] = (cpuOf(pids()) - before[g]) / CASES;
      total += row[g];
    }
    row.total = total;
    console.log(`${i === 0 ? 'warm-up' : `round ${i}`}: ${Object.entries(row).map(([k, v]) => `${k} ${v.toFixed(k === 'seconds' ? 2 : 3)}`).join(', ')}  (load ${os.loadavg()[0].toFixed(1)})`);
    if (i > 0) rows.push(row);
  }
  const median = (k: string) => rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
  console.log(JSON.stringify(Object.fromEntries(Object.keys(rows[0]).map((k) => [k, Math.round(median(k) * 1000) / 1000]))));
} finally {
  // SIGTERM first: a process under BENCH_PROF writes its profile as it exits.
  await Promise.race([Promise.all(children.map((c) => c.stop())), new Promise((r) => setTimeout(r, 15_000))]);
  for (const child of children) child.child.kill('SIGKILL');
  stub.stop();
  await redis.stop();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}

function dataset(name: string) {
  const cases = Array.from({ length: CASES }, (_, i) => `Question ${i} of ${name}: what is ${i} squared?`).map((q, i) => ({ id: `q${i}`, input: { question: q }, expected: q }));
  return { name, cases };
}

function cpuOf(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);
}

/** Live processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(fields[1]) === pid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The postmaster listening on `port`: the one whose command line names it. */
function postmasterPid(port: number): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.startsWith('/usr/lib/postgresql/') && cmd.includes(`-p ${port}`)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no postmaster on port ${port}`);
}
