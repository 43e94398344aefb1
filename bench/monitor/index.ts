// `npm run bench -- monitor [--quick]`: what monitoring costs a busy runner, and how fast its
// metrics query answers over a month of rollups. Two real runner processes in one run:
// 1. persisted runs/s through POST /api/runs with monitoring off (PATCHBAY_MONITORING=0) and on
//    (rollups, Prometheus counters scraped every second, one regex monitor at sample 1.0);
// 2. GET /api/metrics for 30 days at step=1h over rollups of 1,000,000 runs (100,000 with --quick).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { openSqliteStore } from '../../apps/runner/src/store/index';
import { RollupWriter } from '../../apps/runner/src/monitoring/rollup-writer';
import type { FinishedRunFacts } from '../../apps/runner/src/monitoring/run-facts';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 3 : 10;
const CONNECTIONS = 16;
const STORED_RUNS = quick ? 100_000 : 1_000_000;
const QUERIES = 30;
const BIN = fileURLToPath(new URL('../../apps/runner/bin/patchbay.js', import.meta.url));

/** input → template → llm (offline:echo) → transform → output, as bench/runner runs. */
const PIPELINE = {
  format: 'patchbay.pipeline/v1',
  name: 'bench',
  nodes: [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'prompt', type: 'template', config: { template: 'Question: {{ question }}' } },
    { id: 'answer', type: 'llm', config: { model: 'offline:echo', prompt: '{{ text }}' } },
    { id: 'shout', type: 'transform', config: { expression: '$uppercase($)' } },
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ],
  edges: [
    { from: 'q.value', to: 'prompt.question' },
    { from: 'prompt.text', to: 'answer.text' },
    { from: 'answer.text', to: 'shout.value' },
    { from: 'shout.value', to: 'out.value' },
  ],
};

function startRunner(dataDir: string, env: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data', dataDir], {
    env: { ...process.env, PATCHBAY_TOKEN: '', PATCHBAY_DEMO: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /Patchbay listening on (\S+)/.exec(out);
      if (match) resolve({ url: match[1], stop: () => (child.kill('SIGTERM'), exited) });
    });
    void exited.then(() => reject(new Error('the runner exited before listening')));
  });
}

const post = (url: string, body: unknown, method = 'POST') =>
  fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function throughput(monitoring: boolean): Promise<{ rps: number; p99: number; recorded: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `patchbay-bench-monitor-${monitoring ? 'on' : 'off'}-`));
  const runner = await startRunner(dataDir, { PATCHBAY_MONITORING: monitoring ? '1' : '0' });
  let scraper: NodeJS.Timeout | undefined;
  try {
    for (const name of ['bench', 'warm-up']) {
      const created = await post(`${runner.url}/api/pipelines`, { ...PIPELINE, name });
      if (created.status !== 201) throw new Error(`could not save the pipeline: ${created.status}`);
    }
    if (monitoring) {
      const monitors = { monitors: [{ name: 'shouts', scorer: { type: 'regex', params: { pattern: '^[A-Z :?]+$' } }, sample: 1 }] };
      const put = await post(`${runner.url}/api/pipelines/bench/monitors`, monitors, 'PUT');
      if (put.status !== 200) throw new Error(`could not set the monitor: ${put.status} ${await put.text()}`);
      // A Prometheus scraping every second.
      scraper = setInterval(() => void fetch(`${runner.url}/metrics`).then((r) => r.text()), 1_000);
    }
    const request = (pipeline: string) => ({
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pipeline, inputs: { question: 'how fast is this?' } }),
    });
    await autocannon({ url: `${runner.url}/api/runs`, connections: CONNECTIONS, duration: 1, ...request('warm-up') } as autocannon.Options);
    const result = await autocannon({ url: `${runner.url}/api/runs`, connections: CONNECTIONS, duration: SECONDS, ...request('bench') } as autocannon.Options);
    clearInterval(scraper);
    await new Promise((r) => setTimeout(r, 500));
    const listed = await (await fetch(`${runner.url}/api/metrics?pipeline=bench&step=1h`)).json();
    const recorded = monitoring ? listed.series.reduce((n: number, s: { points: { runs: number }[] }) => n + s.points.reduce((m, p) => m + p.runs, 0), 0) : result['2xx'];
    return { rps: Math.round(result.requests.average), p99: result.latency.p99, recorded };
  } finally {
    clearInterval(scraper);
    await runner.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
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

const off = await throughput(false);
const on = await throughput(true);

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
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const times: number[] = [];
    let points = 0;
    for (let i = 0; i < QUERIES + 3; i++) {
      const t0 = performance.now();
      const body = await (await fetch(`${runner.url}/api/metrics?pipeline=busy&from=${from}&step=1h&by=version`)).json();
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
  ['', 'runs/s', 'p99 ms', 'recorded'],
  ['monitoring off', String(off.rps), String(off.p99), String(off.recorded)],
  ['monitoring on (rollups, /metrics every 1 s, regex monitor at 1.0)', String(on.rps), String(on.p99), String(on.recorded)],
];
const widths = rowsOut[0].map((_, c) => Math.max(...rowsOut.map((r) => r[c].length)));
console.log(`\nmonitor bench: ${SECONDS} s, ${CONNECTIONS} connections, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}`);
for (const row of rowsOut) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
console.log(`on/off ratio ${(on.rps / Math.max(1, off.rps)).toFixed(2)} (target ≥ 0.9); query p50 ${queryP50Ms} ms (target ≤ 50)`);
console.log(JSON.stringify({ bench: 'monitor', runsPerSecondOn: on.rps, runsPerSecondOff: off.rps, ratio: Math.round((on.rps / Math.max(1, off.rps)) * 100) / 100, queryP50Ms, queryMaxMs: queryP99Ms, rows, storedRuns: STORED_RUNS }));
