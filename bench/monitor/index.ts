// `npm run bench -- monitor [--quick]`: what monitoring costs a busy runner, and how fast its
// metrics query answers over a month of rollups. Two real runner processes in one run:
// 1. persisted runs/s through POST /api/runs with monitoring off (PATCHBAY_MONITORING=0) and on
//    (rollups, Prometheus counters scraped every second, one regex monitor at sample 1.0);
// 2. GET /api/metrics for 30 days at step=1h over rollups of 1,000,000 runs (100,000 with --quick).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { openSqliteStore } from '../../apps/runner/src/store/index';
import { RollupWriter } from '../../apps/runner/src/monitoring/rollup-writer';
import type { FinishedRunFacts } from '../../apps/runner/src/monitoring/run-facts';
import { cpuMs, startRunner, type RunnerProcess } from '../runner-process';
import { FIVE_NODE_PIPELINE } from '../five-node-pipeline';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 3 : 10;
const CONNECTIONS = 16;
const STORED_RUNS = quick ? 100_000 : 1_000_000;
const QUERIES = 30;

const PIPELINE = FIVE_NODE_PIPELINE; // as bench/runner runs

const post = (url: string, body: unknown, method = 'POST') =>
  fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

interface Side {
  monitoring: boolean;
  runner: RunnerProcess;
  dataDir: string;
  scraper?: NodeJS.Timeout;
  requests: number;
  seconds: number;
  cpuMs: number;
  p99: number;
}

const runRequest = (pipeline: string) => ({
  method: 'POST' as const,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ pipeline, inputs: { question: 'how fast is this?' } }),
});

/** A runner with monitoring on (rollups, a Prometheus scrape every second, one regex monitor at sample 1.0) or off, warmed up. */
async function startSide(monitoring: boolean): Promise<Side> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `patchbay-bench-monitor-${monitoring ? 'on' : 'off'}-`));
  const runner = await startRunner(dataDir, { PATCHBAY_MONITORING: monitoring ? '1' : '0' });
  const side: Side = { monitoring, runner, dataDir, requests: 0, seconds: 0, cpuMs: 0, p99: 0 };
  for (const name of ['bench', 'warm-up']) {
    const created = await post(`${runner.url}/api/pipelines`, { ...PIPELINE, name });
    if (created.status !== 201) throw new Error(`could not save the pipeline: ${created.status}`);
  }
  if (monitoring) {
    // The warm-up pipeline has the monitor too, so the scoring and its writes are warm (compiled) before either side is measured.
    const monitors = { monitors: [{ name: 'shouts', scorer: { type: 'regex', params: { pattern: '^[A-Z :?]+$' } }, sample: 1 }] };
    for (const name of ['bench', 'warm-up']) {
      const put = await post(`${runner.url}/api/pipelines/${name}/monitors`, monitors, 'PUT');
      if (put.status !== 200) throw new Error(`could not set the monitor: ${put.status} ${await put.text()}`);
    }
    // A Prometheus scraping every second.
    side.scraper = setInterval(() => void fetch(`${runner.url}/metrics`).then((r) => r.text()), 1_000);
  }
  await autocannon({ url: `${runner.url}/api/runs`, connections: CONNECTIONS, duration: 1, ...runRequest('warm-up') } as autocannon.Options);
  return side;
}

/** One stretch of load on one side: its answered runs, wall time, the runner's CPU time and p99 add up over stretches. */
async function drive(side: Side, seconds: number): Promise<void> {
  const cpuBefore = cpuMs(side.runner.pid);
  const t0 = performance.now();
  const result = await autocannon({ url: `${side.runner.url}/api/runs`, connections: CONNECTIONS, duration: seconds, ...runRequest('bench') } as autocannon.Options);
  side.seconds += (performance.now() - t0) / 1000;
  side.cpuMs += cpuMs(side.runner.pid) - cpuBefore;
  side.requests += result['2xx'];
  side.p99 = Math.max(side.p99, result.latency.p99);
}

/** Runs the monitoring side recorded in its rollups (read back through /api/metrics), or the answered runs with monitoring off. */
async function recorded(side: Side): Promise<number> {
  if (!side.monitoring) return side.requests;
  await new Promise((r) => setTimeout(r, 500));
  const listed = await (await fetch(`${side.runner.url}/api/metrics?pipeline=bench&step=1h`)).json();
  return listed.series.reduce((n: number, s: { points: { runs: number }[] }) => n + s.points.reduce((m, p) => m + p.runs, 0), 0);
}

async function stopSide(side: Side): Promise<void> {
  clearInterval(side.scraper);
  await side.runner.stop();
  fs.rmSync(side.dataDir, { recursive: true, force: true });
}

/**
 * Both runners stay up and take turns (off, on, on, off), so a neighbour's load that comes or goes
 * during the bench falls on both sides alike. The runner's CPU time per run is reported beside the
 * rates: on a busy machine it is the steadier figure of what monitoring costs.
 */
async function throughput(): Promise<{ off: Side & { recorded: number }; on: Side & { recorded: number } }> {
  const off = await startSide(false);
  const on = await startSide(true).catch(async (err) => {
    await stopSide(off);
    throw err;
  });
  try {
    for (const side of [off, on, on, off]) await drive(side, SECONDS / 2);
    return { off: { ...off, recorded: await recorded(off) }, on: { ...on, recorded: await recorded(on) } };
  } finally {
    await stopSide(off);
    await stopSide(on);
  }
}

/** Rollups of `count` runs spread over the last 30 days (two versions, two sources, five nodes), written as a runner writes them. */
async function seedRollups(dataDir: string, count: number): Promise<number> {
  const store = openSqliteStore(dataDir);
  const writer = new RollupWriter(store.rollups, (err) => {
    throw err;
  }, 3_600_000);
  const now = Date.now();
  const start = now - 30 * 86_400_000;
  const step = (now - start) / count;
  let seed = 11;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let i = 0; i < count; i++) {
    const startedAt = Math.floor(start + i * step);
    const durationMs = 20 + Math.floor(random() * random() * 3000);
    const nodes: FinishedRunFacts['nodes'] = {};
    for (const [id, type] of [['q', 'input'], ['prompt', 'template'], ['answer', 'llm'], ['shout', 'transform'], ['out', 'output']]) {
      nodes[id] = { id, type, status: 'succeeded', attempts: 1, startedAt, durationMs: type === 'llm' ? durationMs - 2 : 0.2, ...(type === 'llm' ? { model: 'openai:gpt-4o-mini', usage: { promptTokens: 40, completionTokens: 12, totalTokens: 52 }, costUsd: 0.00002 } : {}) };
    }
    writer.observe({
      id: `r${i}`, pipeline: 'busy', version: i < count / 2 ? 1 : 2, label: 'production', source: i % 4 ? 'openai' : 'serve',
      status: random() < 0.02 ? 'failed' : 'succeeded', startedAt, durationMs, error: null, nodes, inputs: {}, outputs: null, document: null,
    });
    if (i % 50_000 === 49_999) await writer.flush();
  }
  await writer.close();
  const rows = store.db.prepare('SELECT count(*) FROM metric_rollups').pluck().get() as number;
  await store.close();
  return rows;
}

const loadAtStart = os.loadavg()[0];
const { off, on } = await throughput();
const rate = (side: Side) => Math.round(side.requests / side.seconds);
const cpuUsPerRun = (side: Side) => Math.round((side.cpuMs * 1000) / Math.max(1, side.requests));

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-bench-monitor-query-'));
let queryP50Ms = 0;
let queryP99Ms = 0;
let rows = 0;
try {
  const seeded = Date.now();
  rows = await seedRollups(dataDir, STORED_RUNS);
  const seedSeconds = (Date.now() - seeded) / 1000;
  const runner = await startRunner(dataDir, {});
  try {
    // The rollups are of pipeline "busy": the metrics routes answer 404 for a pipeline that is not saved (82330a1).
    const saved = await fetch(`${runner.url}/api/pipelines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...PIPELINE, name: 'busy' }) });
    if (saved.status !== 201) throw new Error(`could not save pipeline "busy": ${saved.status} ${await saved.text()}`);
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const times: number[] = [];
    let points = 0;
    for (let i = 0; i < QUERIES + 3; i++) {
      const t0 = performance.now();
      const res = await fetch(`${runner.url}/api/metrics?pipeline=busy&from=${from}&step=1h&by=version`);
      if (!res.ok) throw new Error(`GET /api/metrics answered ${res.status}: ${await res.text()}`);
      const body = await res.json();
      const ms = performance.now() - t0;
      if (i >= 3) times.push(ms); // the first few warm the statement cache and the JIT
      points = body.series.reduce((n: number, s: { points: unknown[] }) => n + s.points.length, 0);
    }
    times.sort((a, b) => a - b);
    queryP50Ms = Math.round(times[Math.floor(times.length / 2)] * 10) / 10;
    queryP99Ms = Math.round(times[times.length - 1] * 10) / 10;
    console.log(`\nmetrics query: 30 days at step=1h by version over ${STORED_RUNS.toLocaleString('en')} runs (${rows.toLocaleString('en')} rollup rows, seeded in ${seedSeconds.toFixed(1)} s): ${points} points, p50 ${queryP50Ms} ms, max ${queryP99Ms} ms over ${QUERIES} queries`);
  } finally {
    await runner.stop();
  }
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}

const rowsOut = [
  ['', 'runs/s', 'p99 ms', 'runner CPU µs/run', 'recorded'],
  ['monitoring off', String(rate(off)), String(off.p99), String(cpuUsPerRun(off)), String(off.recorded)],
  ['monitoring on (rollups, /metrics every 1 s, regex monitor at 1.0)', String(rate(on)), String(on.p99), String(cpuUsPerRun(on)), String(on.recorded)],
];
const ratio = Math.round((rate(on) / Math.max(1, rate(off))) * 100) / 100;
const widths = rowsOut[0].map((_, c) => Math.max(...rowsOut.map((r) => r[c].length)));
console.log(`\nmonitor bench: ${SECONDS} s a side (off, on, on, off), ${CONNECTIONS} connections, ${os.cpus().length} cores, load average ${loadAtStart.toFixed(1)} at the start`);
for (const row of rowsOut) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
console.log(`on/off ratio ${ratio.toFixed(2)} (target ≥ 0.9; CPU per run off/on ${(cpuUsPerRun(off) / Math.max(1, cpuUsPerRun(on))).toFixed(2)}); query p50 ${queryP50Ms} ms (target ≤ 50)`);
console.log(
  JSON.stringify({
    bench: 'monitor',
    runsPerSecondOn: rate(on),
    runsPerSecondOff: rate(off),
    ratio,
    cpuUsPerRunOn: cpuUsPerRun(on),
    cpuUsPerRunOff: cpuUsPerRun(off),
    queryP50Ms,
    queryMaxMs: queryP99Ms,
    rows,
    storedRuns: STORED_RUNS,
    loadAverage: Math.round(loadAtStart * 100) / 100,
  }),
);
