// `npm run bench -- runner [--quick]`: POST /api/runs throughput of a real runner process
// (a 5-node offline pipeline, every run and node trace persisted), with autocannon.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { cpuMs, startRunner } from '../runner-process';
import { FIVE_NODE_PIPELINE } from '../five-node-pipeline';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 3 : 10;
const CONNECTIONS = 16;

const PIPELINE = FIVE_NODE_PIPELINE;

/** Resident and peak resident memory of a process, in MB (Linux /proc). */
function memoryMb(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

const load = (url: string, options: Partial<autocannon.Options>) =>
  autocannon({ url, connections: CONNECTIONS, duration: SECONDS, ...options } as autocannon.Options);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-bench-runner-'));
const runner = await startRunner(dataDir);
try {
  for (const name of ['bench', 'warm-up']) {
    const created = await fetch(`${runner.url}/api/pipelines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...PIPELINE, name }) });
    if (created.status !== 201) throw new Error(`could not save the pipeline: ${created.status} ${await created.text()}`);
  }
  const runRequest = (pipeline: string) => ({
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pipeline, inputs: { question: 'how fast is this?' } }),
  });
  await load(`${runner.url}/api/runs`, { ...runRequest('warm-up'), duration: 1 }); // JIT, SQLite page cache
  const health = await load(`${runner.url}/healthz`, {});
  const cpuBefore = cpuMs(runner.pid);
  const runs = await load(`${runner.url}/api/runs`, runRequest('bench'));
  const serverCpuMs = cpuMs(runner.pid) - cpuBefore;

  // Let the last runs finish, then read memory while the process is still up.
  const db = new Database(path.join(dataDir, 'runner.sqlite'), { readonly: true });
  const running = db.prepare("SELECT count(*) FROM runs WHERE status = 'running'").pluck();
  for (let i = 0; i < 200 && (running.get() as number) > 0; i++) await new Promise((r) => setTimeout(r, 25));
  db.close();
  const memory = memoryMb(runner.pid);
  await runner.stop();

  const check = new Database(path.join(dataDir, 'runner.sqlite'), { readonly: true });
  const succeeded = check.prepare("SELECT count(*) FROM runs WHERE pipeline = 'bench' AND status = 'succeeded'").pluck().get() as number;
  const traces = check.prepare("SELECT count(*) FROM run_nodes n JOIN runs r ON r.id = n.run_id WHERE r.pipeline = 'bench'").pluck().get() as number;
  check.close();

  const accepted = runs['2xx'];
  // CPU the runner spent per run: on a busy machine this says more than the rate, which also measures the neighbours.
  const cpuUsPerRun = Math.round((serverCpuMs * 1000) / Math.max(1, accepted));
  const runsPerSecond = Math.round(runs.requests.average);
  const rows = [
    ['', 'requests/s', 'p50 ms', 'p99 ms', 'non-2xx'],
    ['POST /api/runs (5 nodes, persisted)', String(runsPerSecond), String(runs.latency.p50), String(runs.latency.p99), String(runs.non2xx + runs.errors)],
    ['GET /healthz (HTTP floor, for scale)', String(Math.round(health.requests.average)), String(health.latency.p50), String(health.latency.p99), String(health.non2xx + health.errors)],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(`\nrunner bench: ${SECONDS} s, ${CONNECTIONS} connections, ${os.cpus().length} cores`);
  for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  console.log(`runner CPU ${cpuUsPerRun} µs per run (${(serverCpuMs / 1000 / SECONDS * 100).toFixed(0)}% of one core); load average ${os.loadavg()[0].toFixed(1)}`);
  console.log(`runner RSS ${memory.rss.toFixed(0)} MB (peak ${memory.peak.toFixed(0)} MB); runs accepted ${accepted}, recorded succeeded ${succeeded}, node traces ${traces} (${(traces / Math.max(1, succeeded)).toFixed(1)} per run)`);
  // Autocannon counts only answered requests; runs whose answer was still in flight at the end are recorded too.
  if (succeeded < accepted) console.log(`warning: ${accepted - succeeded} accepted runs were not recorded as succeeded`);
  console.log(
    JSON.stringify({
      bench: 'runner',
      runsPerSecond,
      p50Ms: runs.latency.p50,
      p99Ms: runs.latency.p99,
      cpuUsPerRun,
      rssMb: Math.round(memory.rss),
      peakRssMb: Math.round(memory.peak),
      runsRecorded: succeeded,
      nodeTraces: traces,
      healthzRequestsPerSecond: Math.round(health.requests.average),
    }),
  );
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
