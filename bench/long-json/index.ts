// `npm run bench -- long-json [--quick]`: how long a real runner's event loop is held at a time by
// POST /api/datasets with a 60,000-case dataset (4.8 MB) and by POST /api/evals on it: the longest
// event-loop delay (monitorEventLoopDelay in the runner, loop-delay-preload.mjs) while each request runs,
// beside the same delay measured idle just before it. Several rounds: on a shared machine read the minimum
// and the median; the idle delay says how much of a figure is the machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRunner } from '../runner-process';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 5;
const CASES = 60_000;
const PRELOAD = fileURLToPath(new URL('./loop-delay-preload.mjs', import.meta.url));

const cases = Array.from({ length: CASES }, (_, i) => ({ id: `case-${i}`, input: { question: `capital of ${i}?` }, expected: `c${i}` }));
const pipeline = {
  format: 'patchbay.pipeline/v1',
  name: 'qa',
  nodes: [
    { id: 'in', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'llm', type: 'llm', config: { model: 'offline:echo', prompt: '{{ question }}' } },
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ],
  edges: [
    { from: 'in.value', to: 'llm.question' },
    { from: 'llm.text', to: 'out.value' },
  ],
};

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-bench-long-json-'));
const delayFile = path.join(dataDir, 'loop-delay.txt');
fs.writeFileSync(delayFile, '');
process.env.BENCH_RUNNER_NODE_ARGS = `${process.env.BENCH_RUNNER_NODE_ARGS ?? ''} --import ${PRELOAD}`;
// A key set, as on a runner that calls a provider: a dataset is checked for its value before it is stored.
const runner = await startRunner(dataDir, { LONG_JSON_DELAY_FILE: delayFile, OPENAI_API_KEY: 'sk-bench-not-a-real-key-0123' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const post = (route: string, body: Uint8Array<ArrayBuffer>) => fetch(runner.url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** The runner's longest event-loop delay since the last reading, in ms. */
async function longestDelay(): Promise<number> {
  const before = fs.readFileSync(delayFile, 'utf8').length;
  process.kill(runner.pid, 'SIGUSR2');
  for (;;) {
    await sleep(10);
    const text = fs.readFileSync(delayFile, 'utf8');
    if (text.length > before && text.endsWith('\n')) return Number(text.slice(before).trim());
  }
}

const results: Record<string, { held: number[]; idle: number[]; ms: number[] }> = {};
async function measure(label: string, request: () => Promise<Response>, status: number): Promise<string> {
  await sleep(300);
  const idle = await longestDelay();
  const start = performance.now();
  const res = await request();
  const text = await res.text();
  const ms = performance.now() - start;
  const held = await longestDelay();
  if (res.status !== status) throw new Error(`${label}: ${res.status} ${text.slice(0, 300)}`);
  const entry = (results[label] ??= { held: [], idle: [], ms: [] });
  entry.held.push(held);
  entry.idle.push(idle);
  entry.ms.push(ms);
  return text;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
try {
  const saved = await post('/api/pipelines', encode(pipeline));
  if (saved.status !== 201) throw new Error(`could not save the pipeline: ${saved.status} ${await saved.text()}`);
  await longestDelay(); // start-up's delays are not the first round's idle ones
  const uploads = Array.from({ length: ROUNDS }, (_, i) => encode({ name: `big${i}`, cases }));
  console.log(`\nlong-json bench: ${CASES} cases, ${(uploads[0].length / 1e6).toFixed(1)} MB a body, ${ROUNDS} rounds, ${os.cpus().length} cores`);
  for (const body of uploads) await measure('POST /api/datasets', () => post('/api/datasets', body), 201);
  const start = encode({ pipeline: 'qa', dataset: 'big0', suite: { scorers: [{ name: 'm', type: 'contains' }], concurrency: 1 } });
  for (let i = 0; i < ROUNDS; i++) {
    const { id } = JSON.parse(await measure('POST /api/evals', () => post('/api/evals', start), 201));
    // Only the request is measured: the eval's own cases are not this bench's.
    await post(`/api/evals/${id}/cancel`, encode({}));
  }
  for (const [label, { held, idle, ms }] of Object.entries(results)) {
    console.log(`${label.padEnd(20)} loop held: min ${Math.min(...held)} ms, median ${median(held)} ms (idle before: median ${median(idle)} ms); request median ${median(ms).toFixed(0)} ms`);
  }
  console.log(`load average ${os.loadavg()[0].toFixed(1)}`);
  const summary = (label: string) => ({ minMs: Math.min(...results[label].held), medianMs: median(results[label].held), idleMedianMs: median(results[label].idle) });
  console.log(JSON.stringify({ bench: 'long-json', cases: CASES, datasetsHeld: summary('POST /api/datasets'), evalsHeld: summary('POST /api/evals'), loadAverage: Number(os.loadavg()[0].toFixed(1)) }));
} finally {
  await runner.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
