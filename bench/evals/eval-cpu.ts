// `node --import tsx bench/evals/eval-cpu.ts [CASES] [ROUNDS] [--alloc FILE]`: where the bench's eval spends
// its CPU per case, layer by layer, in one process against the evals stub in its own process (50 ms latency,
// concurrency 32). Each round runs the bench's eval (one `llm` node, a fresh dataset so the response cache is
// cold, the partial file, the result file) three ways, alternating (reversed every other round) so a shared
// machine's drift falls on all of them:
//   eval        what `patchbay eval` does: response cache, provider (openai SDK on undici's fetch)
//   no-cache    the same provider without the response cache (services.uncachedModels)
//   in-process  a model answering in-process after 50 ms: the eval, the engine and the files, no SDK, no HTTP
// Prints per round CPU µs per case (process.cpuUsage: every thread of the process), wall seconds, GC pause
// time (main thread) and the event loop's longest delay, then the median CPU per case per variant.
// CPU time, not wall time: on a loaded machine the wall clock says more about the neighbours than about us.
// --alloc FILE: after the warm-up, one more `eval` round under V8's sampling heap profiler (objects freed by
// GC included), written to FILE: bytes allocated by function, e.g. for a script that sums them per package.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createServices } from '@patchbay/core/node';
import { JsonlCaseLog, parseSuite, prepareEval, progressPathFor, runEval, writeResultFile } from '@patchbay/evals';
import { behaviorHash, type ModelService, type Services } from '@patchbay/core';
import { startStubProcess } from './stub-process';
import { oneLlmPipeline } from '../one-llm-pipeline';

const args = process.argv.slice(2);
const allocFile = args.includes('--alloc') ? args[args.indexOf('--alloc') + 1] : undefined;
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--alloc');
const CASES = Number(positional[0] ?? 2000);
const ROUNDS = Number(positional[1] ?? 6);
const LATENCY_MS = 50;
const CONCURRENCY = 32;

const PIPELINE = oneLlmPipeline('bench-llm');

const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
let gcMs = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration; }).observe({ entryTypes: ['gc'] });

const dir = mkdtempSync(path.join(os.tmpdir(), 'patchbay-eval-cpu-'));
const stub = await startStubProcess(LATENCY_MS);
try {
  writeFileSync(path.join(dir, 'patchbay.config.json'), JSON.stringify({ providers: { stub: { baseURL: stub.url } } }));
  const services = await createServices({ dataDir: path.join(dir, 'data'), configPath: path.join(dir, 'patchbay.config.json'), env: {} });
  // Echoes the prompt after the stub's latency, as the stub does, with the usage and cost the provider reports.
  const inProcess: ModelService = {
    chat: (request) => new Promise((resolve) => setTimeout(() => resolve({
      text: String(request.messages.at(-1)?.content ?? ''), toolCalls: [], usage: { promptTokens: 10, completionTokens: 10, totalTokens: 20 }, costUsd: 0, model: request.model,
    }), LATENCY_MS)),
    embed: () => Promise.reject(new Error('no embeddings here')),
  };
  const variants: Record<string, Services> = {
    eval: services,
    'no-cache': { ...services, models: services.uncachedModels },
    'in-process': { ...services, models: inProcess },
  };

  let n = 0;
  /** One eval as `patchbay eval` runs it, on questions never asked before (the cache stays cold). */
  const evalRound = async (using: Services) => {
    const name = `run${n++}`;
    writeFileSync(path.join(dir, `${name}.jsonl`), Array.from({ length: CASES }, (_, i) => {
      const question = `${name} question ${i}: what is ${i} squared?`;
      return JSON.stringify({ id: `q${i}`, input: { question }, expected: question });
    }).join('\n'));
    const suite = parseSuite({ format: 'patchbay.eval/v1', dataset: `${name}.jsonl`, scorers: [{ name: 'echo', type: 'exact' }], concurrency: CONCURRENCY }, { label: name, baseDir: dir });
    const out = path.join(dir, `${name}.json`);
    gcMs = 0;
    loopDelay.reset();
    const cpu = process.cpuUsage();
    const t = performance.now();
    const info = await prepareEval(PIPELINE, suite);
    const log = await JsonlCaseLog.open(progressPathFor(out), { behaviorHash: behaviorHash(PIPELINE), suiteHash: suite.hash, datasetHash: info.hash, repeat: 1 }, { resume: false, startedAt: new Date().toISOString() });
    const head = await runEval({ pipeline: PIPELINE, suite, services: using, log, prepared: info });
    await writeResultFile(out, head, log, suite.dataset, 1);
    await log.close();
    await log.remove();
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - t) / 1000;
    if (head.summary.passed !== CASES) throw new Error(`${head.summary.passed} of ${CASES} cases passed`);
    return { cpuUs: (used.user + used.system) / CASES, seconds, gcMs, maxDelayMs: loopDelay.max / 1e6 };
  };

  // Warm-up: as many cases through each variant, so V8 has optimized the SDK's, undici's and our per-case code.
  for (const using of Object.values(variants)) await evalRound(using);
  if (allocFile) {
    const { Session } = await import('node:inspector/promises');
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.enable');
    // Objects already freed count too: allocation, not what is left, is what makes the GC run.
    await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as object);
    await evalRound(services);
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: unknown };
    writeFileSync(allocFile, JSON.stringify(profile));
    session.disconnect();
  }

  const names = Object.keys(variants);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  const loads: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of r % 2 ? [...names].reverse() : names) {
      loads.push(os.loadavg()[0]);
      const { cpuUs, seconds, gcMs: gc, maxDelayMs } = await evalRound(variants[name]);
      samples[name].push(cpuUs);
      console.log(`round ${r} ${name.padEnd(10)} ${cpuUs.toFixed(0).padStart(5)} µs CPU per case, ${seconds.toFixed(2)} s (ratio ${(seconds / ((CASES * LATENCY_MS) / 1000 / CONCURRENCY)).toFixed(3)}), GC pauses ${gc.toFixed(0)} ms, longest loop delay ${maxDelayMs.toFixed(0)} ms, load ${loads.at(-1)!.toFixed(2)}`);
    }
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
  };
  const result = Object.fromEntries(names.map((name) => [name, Math.round(median(samples[name]))]));
  for (const name of names) console.log(`${name.padEnd(10)} ${String(result[name]).padStart(5)} µs CPU per case (median of ${ROUNDS} rounds of ${CASES})`);
  console.log(JSON.stringify({ cpuUsPerCase: result, cases: CASES, rounds: ROUNDS, loadAverage: Number(median(loads).toFixed(2)), node: process.version }));
  await services.close();
} finally {
  stub.stop();
  rmSync(dir, { recursive: true, force: true });
}
