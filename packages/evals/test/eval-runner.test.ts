import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices, type WorkspaceServices } from '@patchbay/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub } from '../../../test/support/openai-stub';
import { DatasetError } from '../src/dataset';
import { prepareEval, runEval, type EvalProgress } from '../src/eval-runner';
import { JsonlCaseLog, MemoryCaseLog, collectResult, progressPathFor, writeResultFile } from '../src/result-file';
import { parseSuite } from '../src/suite';
import { TargetError } from '../src/targets';
import { compareRows } from '../src/compare';
import { summarize } from '../src/summarize';
import { DRAWS_PER_TURN } from '../src/statistics/steps';
import { toScoreRow } from '../src/score-rows';
import { llmPipeline, ragPipeline, shoutPipeline } from './support/pipelines';

let dir: string;
let services: WorkspaceServices;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pb-eval-'));
  services = await createServices({ dataDir: join(dir, 'data'), env: {} });
  await services.retrieval.ingest('docs', [
    { id: 'returns', text: 'Returns are accepted within 30 days of delivery.' },
    { id: 'shipping', text: 'Shipping to Europe takes five working days.' },
    { id: 'warranty', text: 'The warranty covers parts for two years.' },
  ], { embeddingModel: null });
});
afterAll(async () => {
  await services?.close();
  await rm(dir, { recursive: true, force: true });
});

const suiteOf = (value: Record<string, unknown>) =>
  parseSuite({ format: 'patchbay.eval/v1', ...value }, { label: 'test-suite', baseDir: dir });

describe('the eval runner', () => {
  it('scores every case, records a failing pipeline as an error that counts as failed', async () => {
    const suite = suiteOf({
      dataset: [
        { id: 'a', input: { question: 'hello' }, expected: 'HELLO' },
        { id: 'b', input: { question: 'world' }, expected: 'WORLD' },
        { id: 'c', input: { question: 'quiet' }, expected: 'quiet' },
        { id: 'd', input: 'boom', expected: 'BOOM' },
      ],
      scorers: [{ name: 'same', type: 'exact' }, { name: 'fast', type: 'latency', params: { maxMs: 60_000 } }],
    });
    const log = new MemoryCaseLog();
    const progress: EvalProgress[] = [];
    const head = await runEval({ pipeline: shoutPipeline, suite, services, log, onProgress: (p) => progress.push(p) });
    const result = await collectResult(head, log, suite.dataset, 1);

    expect(result.cases.map((c) => [c.id, c.status])).toEqual([['a', 'passed'], ['b', 'passed'], ['c', 'failed'], ['d', 'error']]);
    const a = result.cases[0];
    expect(a.outputs).toEqual({ answer: 'HELLO' });
    expect(a.scores.same).toEqual({ score: 1, pass: true, reason: 'equals "HELLO"' });
    expect(result.cases[2].scores.same.reason).toBe('expected "quiet", got "QUIET"');
    const d = result.cases[3];
    expect(d.error).toContain('boom');
    expect(d.failedNode).toBe('upper');
    expect(d.scores.same).toMatchObject({ score: 0, pass: false });

    expect(result.summary).toMatchObject({ cases: 4, passed: 2, failed: 2, errors: 1, passRate: 0.5 });
    expect(result.summary.scorers.same).toMatchObject({ mean: 0.5, passRate: 0.5 });
    expect(result.pipeline).toMatchObject({ name: 'shout' });
    expect(result.pipeline.behaviorHash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.dataset.cases).toBe(4);
    expect(progress.at(-1)).toMatchObject({ done: 4, total: 4, passed: 2, failed: 2, errors: 1 });
  });

  it('scores a retrieve node apart from the answer (node:<id>.<port> targets)', async () => {
    const suite = suiteOf({
      dataset: [
        { id: 'r1', input: { question: 'When are returns accepted?' }, expected: { doc: 'returns', answer: '30 days' } },
        { id: 'r2', input: { question: 'How long is the warranty?' }, expected: { doc: 'warranty', answer: 'two years' } },
        // r3's expected document is wrong on purpose: its retrieval fails while its answer passes.
        { id: 'r3', input: { question: 'Shipping time to Europe?' }, expected: { doc: 'returns', answer: 'five working days' } },
      ],
      scorers: [
        { name: 'found-doc', type: 'retrieval-hit', target: 'node:search.documents', expectedKey: 'doc', params: { by: 'id' } },
        { name: 'answer', type: 'contains', target: 'answer', expectedKey: 'answer' },
      ],
    });
    const log = new MemoryCaseLog();
    const head = await runEval({ pipeline: ragPipeline, suite, services, log });
    const result = await collectResult(head, log, suite.dataset, 1);
    const byId = Object.fromEntries(result.cases.map((c) => [c.id, c]));
    expect(byId.r1.scores['found-doc'].pass).toBe(true);
    expect(byId.r2.scores['found-doc'].pass).toBe(true);
    expect(byId.r3.scores['found-doc'].pass).toBe(false);
    expect(byId.r3.scores.answer.pass).toBe(true);
    expect(byId.r1.targets!['node:search.documents']).toHaveLength(1);
  });

  it('refuses before running: an unknown target, a case whose input does not fit', async () => {
    const bad = suiteOf({ dataset: [{ id: 'a', input: { question: 'x' } }], scorers: [{ type: 'exact', target: 'node:nope.value' }] });
    await expect(prepareEval(shoutPipeline, bad)).rejects.toThrow(TargetError);
    await expect(prepareEval(shoutPipeline, bad)).rejects.toThrow('no node "nope"');
    const port = suiteOf({ dataset: [{ id: 'a', input: { question: 'x' } }], scorers: [{ type: 'exact', target: 'node:upper.text' }] });
    await expect(prepareEval(shoutPipeline, port)).rejects.toThrow('has no output port "text"');
    const input = suiteOf({ dataset: [{ id: 'a', input: { question: 'x' } }, { id: 'b', input: { asked: 'x' } }], scorers: [{ type: 'exact' }] });
    await expect(prepareEval(shoutPipeline, input)).rejects.toThrow(DatasetError);
    await expect(prepareEval(shoutPipeline, input)).rejects.toThrow(/case "b": .*question/);
    const empty = suiteOf({ dataset: [], scorers: [{ type: 'exact' }] });
    await expect(prepareEval(shoutPipeline, empty)).rejects.toThrow(/test-suite \(inline dataset\): no cases/);
  });

  it('refuses before running a case whose expected value a text scorer would compare as JSON (it could only score 0)', async () => {
    const cases = [
      { id: 'a', input: { question: 'x' }, expected: 'X' },
      { id: 'b', input: { question: 'y' }, expected: { answer: 'Y', doc: 'd' } },
    ];
    const refused = (scorers: unknown[], dataset: unknown[] = cases) => prepareEval(shoutPipeline, suiteOf({ dataset, scorers }));
    await expect(refused([{ name: 'mentions', type: 'contains' }])).rejects.toThrow(DatasetError);
    await expect(refused([{ name: 'mentions', type: 'contains' }])).rejects.toThrow(
      'test-suite (inline dataset): case 2: case "b": scorer "mentions" (contains) compares text, but the expected value is an object (answer, doc): name the field to compare with as the scorer\'s "expectedKey", e.g. "expectedKey": "answer"',
    );
    // The field expectedKey names must be text too.
    const nested = [{ id: 'n', input: { question: 'x' }, expected: { answer: { text: 'X' } } }];
    await expect(refused([{ name: 'm', type: 'exact', expectedKey: 'answer' }], nested)).rejects.toThrow('case "n": scorer "m" (exact) compares text, but expected.answer is an object (text)');
    // A list is "any of" for contains, exact and retrieval-hit; a regex, levenshtein or embedding compares one text.
    const listed = [{ id: 'l', input: { question: 'x' }, expected: ['X', 'Y'] }];
    await expect(refused([{ name: 'p', type: 'regex' }], listed)).rejects.toThrow('case "l": scorer "p" (regex) compares with one text, but the expected value is a list');
    await expect(refused([{ name: 'm', type: 'contains' }], listed)).resolves.toMatchObject({ cases: 1 });
    await expect(refused([{ name: 'm', type: 'exact' }], [{ id: 'o', input: { question: 'x' }, expected: [{ a: 1 }] }])).rejects.toThrow('case "o": scorer "m" (exact) compares text, but the expected value is a list with an object in it');
    // What is not read from the case, or is compared as JSON, is left alone; a number or a boolean is text enough.
    await expect(refused([{ name: 'm', type: 'contains', params: { value: 'X' } }])).resolves.toMatchObject({ cases: 2 });
    await expect(refused([{ name: 'p', type: 'regex', params: { pattern: 'X' } }])).resolves.toMatchObject({ cases: 2 });
    await expect(refused([{ name: 'j', type: 'json-equals' }])).resolves.toMatchObject({ cases: 2 });
    await expect(refused([{ name: 'm', type: 'contains', expectedKey: 'answer' }], cases.slice(1))).resolves.toMatchObject({ cases: 1 });
    await expect(refused([{ name: 'm', type: 'exact' }], [{ id: 'n', input: { question: 'x' }, expected: 42 }])).resolves.toMatchObject({ cases: 1 });
  });

  it("reads only the expected value's own fields with expectedKey: one it lacks is no expected value, said with the fields it has", async () => {
    // expected.__proto__ and expected.constructor were read through the prototype: {} and a function. The question
    // "{}" shouted is "{}", which json-equals found equal to Object.prototype, so the case passed against a field
    // its expected value does not have; a text scorer was refused with "expected.constructor is function".
    const suite = suiteOf({
      dataset: [{ id: 'p', input: { question: '{}' }, expected: { answer: '{}', doc: 'd' } }, { id: 'q', input: { question: 'x' } }],
      scorers: [
        { name: 'proto', type: 'json-equals', expectedKey: '__proto__' },
        { name: 'ctor', type: 'contains', expectedKey: 'constructor' },
        { name: 'typo', type: 'exact', expectedKey: 'anwser' },
      ],
    });
    const log = new MemoryCaseLog();
    const result = await collectResult(await runEval({ pipeline: shoutPipeline, suite, services, log }), log, suite.dataset, 1);
    const [p, q] = result.cases;
    expect(p.status).toBe('error');
    expect(p.scores).toEqual({
      proto: { score: 0, pass: false, reason: 'no expected value', error: 'case "p": its expected value has no field "__proto__" (it has answer, doc) and scorer "proto" has no params.value' },
      ctor: { score: 0, pass: false, reason: 'no expected value', error: 'case "p": its expected value has no field "constructor" (it has answer, doc) and scorer "ctor" has no params.value' },
      typo: { score: 0, pass: false, reason: 'no expected value', error: 'case "p": its expected value has no field "anwser" (it has answer, doc) and scorer "typo" has no params.value' },
    });
    expect(q.scores.typo.error).toBe('case "q" has no "expected" and scorer "typo" has no params.value');
  });

  it('repeats cases and reports pass@k, pass^k and flaky cases', async () => {
    const suite = suiteOf({
      dataset: [{ id: 'a', input: { question: 'x' }, expected: 'X' }, { id: 'b', input: { question: 'y' }, expected: 'nope' }],
      scorers: [{ type: 'exact' }],
      repeat: 3,
    });
    const log = new MemoryCaseLog();
    const head = await runEval({ pipeline: shoutPipeline, suite, services, log });
    const result = await collectResult(head, log, suite.dataset, 3);
    expect(result.cases.map((c) => `${c.id}#${c.repeat}`)).toEqual(['a#1', 'a#2', 'a#3', 'b#1', 'b#2', 'b#3']);
    expect(result.summary.repeats).toMatchObject({ k: 3, passAtK: 0.5, passHatK: 0.5, flaky: [] });
    expect(result.summary.repeats!.cases.map((c) => [c.id, c.attempts, c.passed])).toEqual([['a', 3, 3], ['b', 3, 0]]);
  });

  it('writes cases as they finish and resumes without redoing or losing one', async () => {
    const suite = suiteOf({
      dataset: Array.from({ length: 12 }, (_, i) => ({ id: `c${i}`, input: { question: `q${i}` }, expected: `Q${i}` })),
      scorers: [{ type: 'exact' }],
      concurrency: 2,
    });
    const out = join(dir, 'resume', 'result.json');
    const identity = { behaviorHash: 'b', suiteHash: suite.hash, datasetHash: 'd', repeat: 1 };
    // First run: stopped after 5 cases.
    const stop = new AbortController();
    const first = await JsonlCaseLog.open(progressPathFor(out), identity, { resume: false, startedAt: 'then' });
    await expect(runEval({
      pipeline: shoutPipeline, suite, services, log: first, signal: stop.signal,
      onProgress: (p) => { if (p.done >= 5) stop.abort(); },
    })).rejects.toThrow();
    await first.close();
    // A torn last line, as a kill mid-write leaves it.
    await writeFile(progressPathFor(out), (await readFile(progressPathFor(out), 'utf8')) + '{"id": "c11", "rep');
    const again = await JsonlCaseLog.open(progressPathFor(out), identity, { resume: true, startedAt: 'now' });
    const done = again.resumed.map((r) => r.id);
    expect(done.length).toBeGreaterThanOrEqual(5);
    const ran: string[] = [];
    const head = await runEval({ pipeline: shoutPipeline, suite, services, log: again, onProgress: (p) => { if (p.record) ran.push(p.record.id); } });
    expect(ran.filter((id) => done.includes(id))).toEqual([]);
    expect(ran.length + done.length).toBe(12);
    expect(head.startedAt).toBe('then');
    await writeResultFile(out, head, again, suite.dataset, 1);
    await again.close();
    const result = JSON.parse(await readFile(out, 'utf8'));
    expect(result.cases.map((c: { id: string }) => c.id)).toEqual(Array.from({ length: 12 }, (_, i) => `c${i}`));
    expect(result.summary.passed).toBe(12);
    // A file cut off inside its header holds nothing to resume: the run starts afresh.
    await writeFile(progressPathFor(out), '{"type": "patchbay.eval-pro');
    const fresh = await JsonlCaseLog.open(progressPathFor(out), identity, { resume: true, startedAt: 'fresh' });
    expect(fresh.resumed).toEqual([]);
    expect(fresh.startedAt).toBeUndefined();
    await fresh.close();
    expect(JSON.parse((await readFile(progressPathFor(out), 'utf8')).split('\n')[0])).toMatchObject({ suiteHash: suite.hash, startedAt: 'fresh' });
    // A different suite cannot resume this file.
    await expect(JsonlCaseLog.open(progressPathFor(out), { ...identity, suiteHash: 'other' }, { resume: true, startedAt: 'x' })).rejects.toThrow(/different suite/);
  });

  it('a 429 storm halves the concurrency and loses no case', async () => {
    let calls = 0;
    const stub = await startOpenAIStub({
      latencyMs: 5,
      handler: () => (++calls > 6 && calls <= 30 ? { status: 429, body: { error: { message: 'slow down', type: 'rate_limit' } } } : { text: 'fine' }),
    });
    await writeFile(join(dir, 'stub.config.json'), JSON.stringify({ providers: { stub: { baseURL: stub.url, maxRetries: 0 } } }));
    const stubServices = await createServices({ dataDir: join(dir, 'stubdata'), configPath: join(dir, 'stub.config.json'), noCache: true, env: {} });
    try {
      const suite = suiteOf({
        dataset: Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, input: { question: `q${i}` }, expected: 'fine' })),
        scorers: [{ type: 'exact' }],
        concurrency: 8,
      });
      const limits: number[] = [];
      const log = new MemoryCaseLog();
      const { InProcessQueue } = await import('../src/case-queue');
      const queue = new InProcessQueue({ concurrency: 8, backoffMs: 20 });
      const head = await runEval({ pipeline: llmPipeline('stub:m'), suite, services: stubServices, log, queue, onProgress: (p) => limits.push(p.concurrency) });
      const result = await collectResult(head, log, suite.dataset, 1);
      expect(result.cases).toHaveLength(40);
      expect(new Set(result.cases.map((c) => c.id)).size).toBe(40);
      expect(result.cases.every((c) => c.status === 'passed')).toBe(true);
      expect(calls).toBeGreaterThan(40);
      expect(Math.min(...limits)).toBeLessThanOrEqual(4);
      expect(queue.limiter.cuts).toBeGreaterThanOrEqual(1);
    } finally {
      await stubServices.close();
      await stub.close();
    }
  });

  it("retries a rate-limited case when the provider's Retry-After says (seconds or an HTTP date), not on its own backoff", async () => {
    const arrivals: number[] = [];
    const stub = await startOpenAIStub({
      handler: () => {
        arrivals.push(Date.now());
        // 1st: wait 1 s; 2nd: wait until a date ~2 s ahead. The eval's own backoff would wait 3 s, then 6 s.
        if (arrivals.length === 1) return { status: 429, headers: { 'retry-after': '1' } };
        if (arrivals.length === 2) return { status: 429, headers: { 'retry-after': new Date(Date.now() + 2_000).toUTCString() } };
        return { text: 'fine' };
      },
    });
    await writeFile(join(dir, 'after.config.json'), JSON.stringify({ providers: { stub: { baseURL: stub.url, maxRetries: 0 } } }));
    const stubServices = await createServices({ dataDir: join(dir, 'afterdata'), configPath: join(dir, 'after.config.json'), noCache: true, env: {} });
    try {
      const suite = suiteOf({ dataset: [{ id: 'one', input: { question: 'q' }, expected: 'fine' }], scorers: [{ type: 'exact' }] });
      const log = new MemoryCaseLog();
      const { InProcessQueue } = await import('../src/case-queue');
      const queue = new InProcessQueue({ concurrency: 1, backoffMs: 3_000 });
      const head = await runEval({ pipeline: llmPipeline('stub:m'), suite, services: stubServices, log, queue });
      const result = await collectResult(head, log, suite.dataset, 1);
      expect(result.cases.map((c) => c.status)).toEqual(['passed']);
      expect(arrivals).toHaveLength(3);
      const [first, second] = [arrivals[1] - arrivals[0], arrivals[2] - arrivals[1]];
      // The upper bounds are the eval's own backoff (3 s, then 6 s), which a retry on it cannot beat: what is
      // left between them and the provider's wait is for a loaded machine (it was 1.5 s and 1 s).
      expect(first).toBeGreaterThanOrEqual(950);
      expect(first).toBeLessThan(2_900);
      // An HTTP date has whole seconds: "2 s ahead" is 1–2 s.
      expect(second).toBeGreaterThanOrEqual(950);
      expect(second).toBeLessThan(5_000);
    } finally {
      await stubServices.close();
      await stub.close();
    }
  });

  it('takes a Retry-After of 0 (or retry-after-ms 0) as no hint: the case waits the eval\'s own backoff, not a burst of retries', async () => {
    for (const headers of [{ 'retry-after': '0' }, { 'retry-after-ms': '0' }] as Record<string, string>[]) {
      const arrivals: number[] = [];
      const stub = await startOpenAIStub({
        handler: () => {
          arrivals.push(Date.now());
          return arrivals.length <= 2 ? { status: 429, headers } : { text: 'fine' };
        },
      });
      await writeFile(join(dir, 'zero.config.json'), JSON.stringify({ providers: { stub: { baseURL: stub.url, maxRetries: 0 } } }));
      const stubServices = await createServices({ dataDir: join(dir, 'zerodata'), configPath: join(dir, 'zero.config.json'), noCache: true, env: {} });
      try {
        const suite = suiteOf({ dataset: [{ id: 'one', input: { question: 'q' }, expected: 'fine' }], scorers: [{ type: 'exact' }] });
        const log = new MemoryCaseLog();
        const { InProcessQueue } = await import('../src/case-queue');
        const queue = new InProcessQueue({ concurrency: 1, backoffMs: 400 });
        const head = await runEval({ pipeline: llmPipeline('stub:m'), suite, services: stubServices, log, queue });
        const result = await collectResult(head, log, suite.dataset, 1);
        expect(result.cases.map((c) => c.status)).toEqual(['passed']);
        expect(arrivals).toHaveLength(3);
        // The eval's backoff: 400 ms, then 800 ms (a zero wait would retry within a few ms).
        expect(arrivals[1] - arrivals[0], JSON.stringify(headers)).toBeGreaterThanOrEqual(380);
        expect(arrivals[2] - arrivals[1], JSON.stringify(headers)).toBeGreaterThanOrEqual(780);
      } finally {
        await stubServices.close();
        await stub.close();
      }
    }
  });

  it('lets the event loop turn while it works out the statistics at the end: a 100,000-case eval with a baseline held a runner for 30 s', async () => {
    // The summary's bootstrap and the comparison's sign-flip test draw resamples × cases values; before, all
    // of them ran in one synchronous stretch after the last case (0 turns). Counted against the draws, never timed.
    const n = 200;
    const suite = suiteOf({
      dataset: Array.from({ length: n }, (_, i) => ({ id: `c${i}`, input: { question: 'hello' }, expected: 'HELLO' + 'x'.repeat(i % 5) })),
      scorers: [{ name: 'close', type: 'levenshtein' }],
    });
    // A baseline whose every score differs from this run's: the sign-flip test draws 10,000 × n signs.
    const baseline = Array.from({ length: n }, (_, i) => ({ id: `c${i}`, repeat: 1, status: 'passed' as const, scores: { close: { score: 0.5, pass: true } }, latencyMs: 1, tokens: null, costUsd: null }));
    // Turns counted from the last case's report on: setImmediate runs only between turns of the loop.
    let turns = 0;
    let counting = false;
    const tick = () => {
      turns++;
      if (counting) setImmediate(tick);
    };
    const log = new MemoryCaseLog();
    const head = await runEval({
      pipeline: shoutPipeline,
      suite,
      services,
      log,
      baseline: { rows: baseline, label: 'before' },
      onProgress: (p) => {
        if (p.done === n && !counting) {
          counting = true;
          setImmediate(tick);
        }
      },
    });
    counting = false;
    expect(turns).toBeGreaterThanOrEqual(Math.floor((10_000 * n) / DRAWS_PER_TURN) - 1);
    // The same statistics as worked out in one go.
    const rows = (await collectResult(head, log, suite.dataset, 1)).cases.map(toScoreRow);
    expect(head.summary).toEqual(summarize(rows, ['close'], { seed: suite.seed, repeat: 1 }));
    expect(head.comparison).toEqual(compareRows(baseline, rows, { baselineLabel: 'before', seed: suite.seed, scorers: ['close'], warnings: [] }));
    expect(head.comparison?.scorers.close.test).toBe('sign-flip-monte-carlo');
  });
});
