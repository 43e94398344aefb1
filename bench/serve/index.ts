// `npm run bench -- serve [--quick]`: POST /v1/chat/completions of a real runner process serving a
// one-node `llm` pipeline against the OpenAI-compatible stub (20 ms fixed latency, its own process),
// side by side with the same `openai` client calling the stub directly, in one run. The overhead is
// served latency minus direct latency at the same percentile. For reference, the same requests go through
// the thinnest proxy on the same libraries (floor-proxy.ts: Hono + the `openai` client, nothing else): its
// overhead is what any proxy pays on this machine at this moment, the rest is Patchbay's.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startStubProcess } from '../evals/stub-process';
import { machineSpeedUs } from '../machine-speed';
import { cpuMs, startRunner } from '../runner-process';

const quick = process.argv.includes('--quick');
const REQUESTS = quick ? 300 : 3000;
const WARM_UP = quick ? 200 : 1500;
const CONCURRENCY = 16;
const LATENCY_MS = 20;

const PIPELINE = {
  format: 'patchbay.pipeline/v1',
  name: 'served',
  nodes: [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'answer', type: 'llm', config: { model: 'stub:model', prompt: '{{ question }}' } },
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ],
  edges: [
    { from: 'q.value', to: 'answer.question' },
    { from: 'answer.text', to: 'out.value' },
  ],
};

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

/** `count` chat completions, `CONCURRENCY` at a time; each request's latency in ms and the wall time. */
async function drive(client: OpenAI, model: string, count: number): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      const reply = await client.chat.completions.create({ model, messages: [{ role: 'user', content: `question number ${i}` }] });
      latencies.push(performance.now() - t0);
      if (!reply.choices[0]?.message?.content) throw new Error(`empty reply from ${model}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/** floor-proxy.ts in its own process over the stub; resolves with its URL once it listens. */
function startFloorProxy(stubUrl: string): Promise<{ url: string; pid: number; stop(): void }> {
  const script = new URL('./floor-proxy.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [...(process.env.BENCH_FLOOR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean), '--import', import.meta.resolve('tsx'), script], { env: { ...process.env, STUB_BASE_URL: stubUrl }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve({ url: match[1], pid: child.pid!, stop: () => child.kill() });
    });
    child.once('exit', (code) => reject(new Error(`the floor proxy exited with ${code}`)));
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

// Before any process starts: the machine's own speed now, to compare runs taken at other times.
const yardstick = machineSpeedUs();
const stub = await startStubProcess(LATENCY_MS);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-bench-serve-'));
const runner = await startRunner(dataDir, { STUB_BASE_URL: stub.url, STUB_API_KEY: 'bench' });
const floorProxy = await startFloorProxy(stub.url);
try {
  const post = (p: string, body: unknown, method = 'POST') => fetch(runner.url + p, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if ((await post('/api/pipelines', PIPELINE)).status !== 201) throw new Error('could not save the pipeline');
  if ((await post('/api/pipelines/served/labels/production', { version: 1 }, 'PUT')).status !== 200) throw new Error('could not set the label');

  const direct = new OpenAI({ baseURL: stub.url, apiKey: 'bench', maxRetries: 0 });
  const served = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'bench', maxRetries: 0 });
  const floor = new OpenAI({ baseURL: `${floorProxy.url}/v1`, apiKey: 'bench', maxRetries: 0 });
  // JIT, connection pools, SQLite page cache: a cold runner spends 2-3x the CPU per request of a
  // warm one over its first ~1,000 requests (measured beside a warm twin), so the full run warms longer.
  await drive(direct, 'model', WARM_UP);
  await drive(served, 'served', WARM_UP);
  await drive(floor, 'served', WARM_UP);

  // Alternating halves, so drift on a shared machine falls on both sides alike.
  const d: number[] = [];
  const s: number[] = [];
  const f: number[] = [];
  let dSeconds = 0;
  let sSeconds = 0;
  let fSeconds = 0;
  let runnerCpuMs = 0;
  let runnerMainCpuMs = 0;
  let floorCpuMs = 0;
  for (let half = 0; half < 2; half++) {
    const a = await drive(direct, 'model', REQUESTS / 2);
    const cpuBefore = cpuMs(runner.pid);
    const mainCpuBefore = cpuMs(runner.pid, true);
    const b = await drive(served, 'served', REQUESTS / 2);
    runnerCpuMs += cpuMs(runner.pid) - cpuBefore;
    runnerMainCpuMs += cpuMs(runner.pid, true) - mainCpuBefore;
    const floorCpuBefore = cpuMs(floorProxy.pid);
    const c = await drive(floor, 'served', REQUESTS / 2);
    floorCpuMs += cpuMs(floorProxy.pid) - floorCpuBefore;
    d.push(...a.latencies);
    s.push(...b.latencies);
    f.push(...c.latencies);
    dSeconds += a.seconds;
    sSeconds += b.seconds;
    fSeconds += c.seconds;
  }
  d.sort((x, y) => x - y);
  s.sort((x, y) => x - y);
  f.sort((x, y) => x - y);
  const rps = REQUESTS / sSeconds;
  const directRps = REQUESTS / dSeconds;
  const overheadP50Ms = percentile(s, 50) - percentile(d, 50);
  const overheadP99Ms = percentile(s, 99) - percentile(d, 99);
  const floorRps = REQUESTS / fSeconds;
  const floorOverheadP50Ms = percentile(f, 50) - percentile(d, 50);
  const floorOverheadP99Ms = percentile(f, 99) - percentile(d, 99);
  const rss = rssMb(runner.pid);
  // The runner's CPU time per served request: steadier than the rates when neighbours share the cores.
  const runnerCpuUsPerRequest = Math.round((runnerCpuMs * 1000) / REQUESTS);
  const runnerMainCpuUsPerRequest = Math.round((runnerMainCpuMs * 1000) / REQUESTS);
  // The floor proxy's, measured the same way: the difference is Patchbay's own CPU a request.
  const floorCpuUsPerRequest = Math.round((floorCpuMs * 1000) / REQUESTS);

  const runs = await (await fetch(`${runner.url}/api/runs?source=openai&limit=1000`)).json();
  if (!Array.isArray(runs) || runs.length === 0) throw new Error('the served requests were not recorded as openai runs');

  const row = (name: string, r: number, sorted: number[]) => `${name.padEnd(28)} ${r.toFixed(0).padStart(7)} ${percentile(sorted, 50).toFixed(1).padStart(8)} ${percentile(sorted, 99).toFixed(1).padStart(8)}`;
  console.log(`\n${REQUESTS} chat completions at concurrency ${CONCURRENCY}, stub latency ${LATENCY_MS} ms${quick ? ' (quick)' : ''}`);
  console.log(`${'path'.padEnd(28)} ${'req/s'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  console.log(row('openai → stub (direct)', directRps, d));
  console.log(row('openai → patchbay → stub', rps, s));
  console.log(row('openai → floor proxy → stub', floorRps, f));
  console.log(`overhead p50 ${overheadP50Ms.toFixed(2)} ms, p99 ${overheadP99Ms.toFixed(2)} ms; served/direct throughput ${(rps / directRps).toFixed(2)}; runner RSS ${rss.toFixed(0)} MB, CPU ${runnerCpuUsPerRequest} µs per request (${runnerMainCpuUsPerRequest} on its event loop's thread); load average ${os.loadavg()[0].toFixed(1)}`);
  console.log(`floor proxy (Hono + openai, nothing else): overhead p50 ${floorOverheadP50Ms.toFixed(2)} ms, p99 ${floorOverheadP99Ms.toFixed(2)} ms; throughput ${(floorRps / directRps).toFixed(2)} of direct; CPU ${floorCpuUsPerRequest} µs per request`);
  console.log(JSON.stringify({ bench: 'serve', rps: +rps.toFixed(1), directRps: +directRps.toFixed(1), overheadP50Ms: +overheadP50Ms.toFixed(2), overheadP99Ms: +overheadP99Ms.toFixed(2), rssMb: +rss.toFixed(1), runnerCpuUsPerRequest, runnerMainCpuUsPerRequest, floorRps: +floorRps.toFixed(1), floorOverheadP50Ms: +floorOverheadP50Ms.toFixed(2), floorOverheadP99Ms: +floorOverheadP99Ms.toFixed(2), floorCpuUsPerRequest, loadAverage: +os.loadavg()[0].toFixed(2), machineSpeedUs: yardstick }));
} finally {
  await runner.stop();
  floorProxy.stop();
  stub.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
