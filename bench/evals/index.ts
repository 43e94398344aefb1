// `npm run bench -- evals [--quick]`: 2,000 cases (200 with --quick) through a one-node `llm` pipeline
// against an OpenAI-compatible stub (its own process) with a fixed 50 ms latency at concurrency 32; the
// same requests from a bare HTTP client (the floor the machine allows right now); the same dataset
// through promptfoo; then a fully cached re-run of ours. The stub counts the requests it answered, and
// the bench refuses to print figures unless every runner sent and passed every case. Last line: JSON.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '@patchbay/core/node';
import { JsonlCaseLog, parseSuite, prepareEval, progressPathFor, runEval, writeResultFile, type EvalHead } from '@patchbay/evals';
import { behaviorHash } from '@patchbay/core';
import { runHttpFloor } from './http-floor';
import { runPromptfoo } from './promptfoo-peer';
import { startStubProcess } from './stub-process';
import { oneLlmPipeline } from '../one-llm-pipeline';

const quick = process.argv.includes('--quick');
const CASES = quick ? 200 : 2000;
const LATENCY_MS = 50;
const CONCURRENCY = 32;
const ideal = (CASES * LATENCY_MS) / 1000 / CONCURRENCY;

const PIPELINE = oneLlmPipeline('bench-llm');

let peakRss = 0;
// rss() alone: process.memoryUsage() also walks the heap spaces, CPU the measured run would pay for.
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()); }, 20);

const dir = mkdtempSync(path.join(os.tmpdir(), 'patchbay-bench-evals-'));
const stub = await startStubProcess(LATENCY_MS);
try {
  const questions = Array.from({ length: CASES }, (_, i) => `Question ${i}: what is ${i} squared?`);
  writeFileSync(path.join(dir, 'cases.jsonl'), questions.map((q, i) => JSON.stringify({ id: `q${i}`, input: { question: q }, expected: q })).join('\n'));
  writeFileSync(path.join(dir, 'patchbay.config.json'), JSON.stringify({ providers: { stub: { baseURL: stub.url } } }));
  const suite = parseSuite(
    { format: 'patchbay.eval/v1', dataset: 'cases.jsonl', scorers: [{ name: 'echo', type: 'exact' }], concurrency: CONCURRENCY },
    { label: 'bench', baseDir: dir },
  );
  const services = await createServices({ dataDir: path.join(dir, 'data'), configPath: path.join(dir, 'patchbay.config.json'), env: {} });

  /**
   * One eval run as `patchbay eval` does it: everything checked first, cases appended to the
   * partial file, the result file written at the end, the partial file removed. Also counts
   * the chat requests the stub answered meanwhile.
   */
  const evalOnce = async (name: string, run = suite): Promise<{ seconds: number; head: EvalHead; requests: number }> => {
    const out = path.join(dir, `${name}.json`);
    const before = await stub.count();
    const t = performance.now();
    const info = await prepareEval(PIPELINE, run);
    const log = await JsonlCaseLog.open(progressPathFor(out), { behaviorHash: behaviorHash(PIPELINE), suiteHash: run.hash, datasetHash: info.hash, repeat: 1 }, { resume: false, startedAt: new Date().toISOString() });
    const head = await runEval({ pipeline: PIPELINE, suite: run, services, log, prepared: info });
    await writeResultFile(out, head, log, run.dataset, 1);
    await log.close();
    await log.remove();
    const seconds = (performance.now() - t) / 1000;
    return { seconds, head, requests: (await stub.count()) - before };
  };

  // Warm-up, billed to no one: the stub's JIT first (a bare-client pass, so every runner below meets the same
  // warm stub; otherwise whoever goes first pays for it; it warms the floor's client too), then ours, as many
  // cases per connection (2 with --quick) through the same path as the measured run (a JSONL file, the partial
  // file, the result file), so neither our JIT compilation nor opening the 32 keep-alive connections is billed.
  // Two per connection were too few: V8 had not yet optimized the SDK's and undici's per-request code, and the
  // measured run spent ~0.5 ms more CPU per case than a warm one. Other questions: the cache stays cold.
  const WARM_PER_CONNECTION = quick ? 2 : 20;
  await runHttpFloor({ stubUrl: stub.url, questions: Array.from({ length: CONCURRENCY * 20 }, (_, i) => `stub warm-up ${i}`), concurrency: CONCURRENCY });
  const warmQuestions = Array.from({ length: CONCURRENCY * WARM_PER_CONNECTION }, (_, i) => `warm-up ${i}`);
  writeFileSync(path.join(dir, 'warm.jsonl'), warmQuestions.map((q, i) => JSON.stringify({ id: `w${i}`, input: { question: q }, expected: q })).join('\n'));
  const warm = parseSuite(
    { format: 'patchbay.eval/v1', dataset: 'warm.jsonl', scorers: [{ name: 'echo', type: 'exact' }], concurrency: CONCURRENCY },
    { label: 'warm', baseDir: dir },
  );
  const warmed = await evalOnce('warm-up', warm);
  if (warmed.head.summary.passed !== warmQuestions.length) throw new Error(`bench/evals: the warm-up passed ${warmed.head.summary.passed} of ${warmQuestions.length} cases`);

  const load = os.loadavg()[0];
  const ours = await evalOnce('uncached');
  let before = await stub.count();
  const floor = await runHttpFloor({ stubUrl: stub.url, questions, concurrency: CONCURRENCY });
  const floorRequests = (await stub.count()) - before;
  before = await stub.count();
  const peer = await runPromptfoo({ dir, stubUrl: stub.url, questions, concurrency: CONCURRENCY });
  const peerRequests = (await stub.count()) - before;
  const cached = await evalOnce('cached');
  await services.close();
  clearInterval(sampler);

  // Honest figures or none: every runner sent every case to the stub (the cached run none) and passed them all.
  const checks: Array<[string, number, number]> = [
    ['patchbay cold requests', ours.requests, CASES], ['patchbay cold passed', ours.head.summary.passed, CASES],
    ['floor requests', floorRequests, CASES], ['floor answered', floor.answered, CASES],
    ['promptfoo requests', peerRequests, CASES], ['promptfoo passed', peer.passed, CASES],
    ['patchbay cached requests', cached.requests, 0], ['patchbay cached passed', cached.head.summary.passed, CASES],
  ];
  const wrong = checks.filter(([, got, want]) => got !== want);
  if (wrong.length) throw new Error(`bench/evals: ${wrong.map(([what, got, want]) => `${what} ${got}, expected ${want}`).join('; ')}`);

  const rssMb = Math.round(peakRss / 1024 / 1024);
  const rows = [
    ['run', 'cases', 'requests', 'passed', 'seconds', 'ratio to ideal'],
    ['patchbay (cold cache)', String(CASES), String(ours.requests), String(ours.head.summary.passed), ours.seconds.toFixed(2), (ours.seconds / ideal).toFixed(3)],
    ['bare node:http client (floor)', String(CASES), String(floorRequests), String(floor.answered), floor.seconds.toFixed(2), (floor.seconds / ideal).toFixed(3)],
    ['promptfoo 0.121 (no cache)', String(CASES), String(peerRequests), String(peer.passed), peer.seconds.toFixed(2), (peer.seconds / ideal).toFixed(3)],
    ['patchbay (fully cached)', String(CASES), String(cached.requests), String(cached.head.summary.passed), cached.seconds.toFixed(2), '–'],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(`\nevals: ${CASES} cases, one llm node, stub latency ${LATENCY_MS} ms, concurrency ${CONCURRENCY}; ideal ${ideal.toFixed(3)} s; load average ${load.toFixed(2)} on ${os.availableParallelism()} cores`);
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  console.log(`promptfoo start-up alone (promptfoo --version): ${peer.startupSeconds.toFixed(2)} s; patchbay peak RSS ${rssMb} MB`);
  console.log(JSON.stringify({
    bench: 'evals',
    cases: CASES,
    seconds: round(ours.seconds),
    ratioToIdeal: round(ours.seconds / ideal),
    promptfooSeconds: round(peer.seconds),
    cachedSeconds: round(cached.seconds),
    rssMb,
    floorSeconds: round(floor.seconds),
    loadAverage: round(load),
  }));
} finally {
  stub.stop();
  rmSync(dir, { recursive: true, force: true });
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
