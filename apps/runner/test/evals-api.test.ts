import os from 'node:os';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { openSqliteStore } from '../src/store/index';
import { allSseEvents, echoPipeline, sseEvents, startTestRunner, type TestRunner } from './support/test-runner';

let runner: TestRunner;
let stub: OpenAIStub;

/** input → llm → output; v2 of "qa" shouts (upcase), so lower-case expected words stop matching. */
function qaPipeline(name: string, prompt: string, model = 'offline:echo') {
  const doc = echoPipeline(name, model);
  doc.nodes[1].config = { model, prompt };
  return doc;
}

// Ten cases: eight expect a lower-case word of the question (they regress when v2 shouts),
// one expects a number (passes in both), one expects a word that is not there (fails in both).
const WORDS = ['paris', 'rome', 'oslo', 'bern', 'lima', 'kyiv', 'doha', 'riga'];
const CASES = [
  ...WORDS.map((w, i) => ({ id: `c${i + 1}`, input: { question: `tell me about ${w}` }, expected: w })),
  { id: 'c9', input: { question: 'what is 42' }, expected: '42' },
  { id: 'c10', input: { question: 'say nothing' }, expected: 'zebra' },
];
const SUITE = { scorers: [{ name: 'mentions', type: 'contains' }, { name: 'close', type: 'levenshtein', threshold: 0.1 }] };

const json = async (res: Response) => ({ status: res.status, body: await res.json() });

async function waitForEval(id: string, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await (await runner.api(`/api/evals/${id}`)).json();
    if (body.status !== 'running') return body;
    if (Date.now() > deadline) throw new Error(`eval ${id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function startEval(body: Record<string, unknown>): Promise<string> {
  const res = await runner.post('/api/evals', { dataset: 'capitals', suite: SUITE, ...body });
  const parsed = await res.json();
  if (res.status !== 201) throw new Error(`POST /api/evals: ${res.status} ${JSON.stringify(parsed)}`);
  return parsed.id;
}

beforeAll(async () => {
  // Replies of "stub:slow" never come, so an eval of it is still running when the test cancels it.
  stub = await startOpenAIStub({
    handler: (req) => (String(req.body?.messages?.at(-1)?.content).includes('first') ? { text: 'first answer' } : { hang: 'before-response' }),
  });
  runner = await startTestRunner({ env: { STUB_BASE_URL: stub.url } });
  await runner.post('/api/pipelines', qaPipeline('qa', '{{ question }}'));
  await runner.post('/api/pipelines/qa/versions', { document: qaPipeline('qa', '{{ question | upcase }}'), message: 'shout', baseVersion: 1 });
  await runner.post('/api/pipelines', qaPipeline('other', '{{ question }}'));
  await runner.post('/api/pipelines', qaPipeline('slow', '{{ question }}', 'stub:slow'));
  const upload = await runner.post('/api/datasets', { name: 'capitals', cases: CASES });
  expect(upload.status).toBe(201);
});
afterAll(async () => {
  await runner?.close();
  await stub?.close();
});

describe('datasets', () => {
  it('stores an upload by content hash: the same cases as JSONL are the same version', async () => {
    const first = await json(await runner.post('/api/datasets', { name: 'tiny', cases: [{ id: 'a', input: { question: 'x' }, expected: 'x' }] }));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ name: 'tiny', caseCount: 1 });
    expect(first.body.hash).toMatch(/^[0-9a-f]{64}$/);

    const same = await json(await runner.post('/api/datasets', { name: 'tiny', format: 'jsonl', content: '{"id":"a","input":{"question":"x"},"expected":"x"}\n' }));
    expect(same.status).toBe(200);
    expect(same.body.hash).toBe(first.body.hash);

    const csv = await json(await runner.post('/api/datasets', { name: 'tiny', format: 'csv', content: 'id,question,expected\na,x,x\nb,y,y\n' }));
    expect(csv.status).toBe(201);
    expect(csv.body.caseCount).toBe(2);

    const versions = await json(await runner.api('/api/datasets/tiny/versions'));
    expect(versions.body.map((v: any) => v.hash)).toEqual([csv.body.hash, first.body.hash]);
    const latest = await json(await runner.api('/api/datasets/tiny'));
    expect(latest.body.cases).toEqual([
      { id: 'a', input: { question: 'x' }, expected: 'x' },
      { id: 'b', input: { question: 'y' }, expected: 'y' },
    ]);
    const old = await json(await runner.api(`/api/datasets/tiny?hash=${first.body.hash}`));
    expect(old.body.cases).toHaveLength(1);

    const list = await json(await runner.api('/api/datasets'));
    expect(list.body.find((d: any) => d.name === 'tiny')).toMatchObject({ hash: csv.body.hash, caseCount: 2, versions: 2 });
  });

  it('deletes a dataset with every version: gone from the list, 404 after, and a second delete is a 404', async () => {
    expect((await runner.post('/api/datasets', { name: 'scratch', cases: [{ id: 'a', input: 'x' }] })).status).toBe(201);
    expect((await runner.post('/api/datasets', { name: 'scratch', cases: [{ id: 'b', input: 'y' }] })).status).toBe(201);
    const deleted = await runner.api('/api/datasets/scratch', { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await runner.api('/api/datasets/scratch')).status).toBe(404);
    expect((await runner.api('/api/datasets/scratch/versions')).status).toBe(404);
    expect((await json(await runner.api('/api/datasets'))).body.map((d: any) => d.name)).not.toContain('scratch');
    const again = await runner.api('/api/datasets/scratch', { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect((await again.json()).detail).toBe('there is no dataset "scratch"');
    // the same name can be used afresh
    expect((await runner.post('/api/datasets', { name: 'scratch', cases: [{ id: 'c', input: 'z' }] })).status).toBe(201);
  });

  it('refuses a duplicate case id naming the id and both lines, and bad bodies with a JSON path', async () => {
    const content = ['{"id":"a","input":"x"}', '{"id":"b","input":"y"}', '{"id":"a","input":"z"}'].join('\n');
    const dup = await runner.post('/api/datasets', { name: 'dups', format: 'jsonl', content });
    expect(dup.status).toBe(400);
    expect(dup.headers.get('content-type')).toContain('application/problem+json');
    const problem = await dup.json();
    expect(problem.detail).toBe('dataset "dups": duplicate case id "a" on lines 1 and 3 ($.content)');
    expect(problem.detail).not.toContain('/tmp');

    const both = await json(await runner.post('/api/datasets', { name: 'x', cases: [], content: '', format: 'csv' }));
    expect(both.status).toBe(400);
    expect(both.body.errors[0].path).toBe('$.cases');
    const noFormat = await json(await runner.post('/api/datasets', { name: 'x', content: '{}' }));
    expect(noFormat.body.errors[0]).toMatchObject({ path: '$.format' });
    const badCase = await json(await runner.post('/api/datasets', { name: 'x', cases: [{ id: 'a' }] }));
    expect(badCase.status).toBe(400);
    expect(badCase.body.detail).toMatch(/^dataset "x": case 1: input: /);
    expect(badCase.body.errors[0].path).toBe('$.cases[0]');
    const dupCases = await json(await runner.post('/api/datasets', { name: 'x', cases: [{ id: 'a', input: 1 }, { id: 'b', input: 2 }, { id: 'a', input: 3 }] }));
    expect(dupCases.body).toMatchObject({ detail: 'dataset "x": duplicate case id "a" in cases 1 and 3 ($.cases[2])', errors: [{ path: '$.cases[2]' }] });
    const empty = await json(await runner.post('/api/datasets', { name: 'x', cases: [] }));
    expect(empty.body.detail).toBe('dataset "x": no cases ($.cases)');
    expect((await runner.api('/api/datasets/x')).status).toBe(404);
    expect((await runner.api('/api/datasets/nope/versions')).status).toBe(404);
  });
});

describe('running an eval', () => {
  it('streams progress in order, then serves the full result with a stored run per case', async () => {
    const id = await startEval({ pipeline: 'qa', version: 1, suite: { ...SUITE, concurrency: 3 } });
    const events = (await allSseEvents(await runner.api(`/api/evals/${id}/events`))).map((e) => ({ ...e, json: JSON.parse(e.data) }));
    expect(events[0].event).toBe('eval.started');
    expect(events[0].json).toMatchObject({ evalId: id, pipeline: 'qa', version: 1, total: 10, dataset: { name: 'capitals', cases: 10 } });
    const caseEvents = events.slice(1, -1);
    expect(caseEvents.map((e) => e.event)).toEqual(Array(10).fill('eval.case'));
    expect(caseEvents.map((e) => e.json.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(caseEvents.map((e) => e.json.id).sort()).toEqual(CASES.map((c) => c.id).sort());
    expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i));
    const last = events.at(-1)!;
    expect(last.event).toBe('eval.completed');
    expect(last.json.summary.scorers.mentions).toMatchObject({ mean: 0.9, passRate: 0.9 });

    const result = await waitForEval(id);
    expect(result).toMatchObject({
      id,
      status: 'succeeded',
      progress: { done: 10, total: 10 },
      pipeline: { name: 'qa', version: 1 },
      dataset: { name: 'capitals', cases: 10 },
      summary: { cases: 10, passed: 9, failed: 1, errors: 0 },
    });
    expect(result.cases.map((c: any) => c.id)).toEqual(CASES.map((c) => c.id));
    const c1 = result.cases[0];
    expect(c1).toMatchObject({ id: 'c1', repeat: 1, status: 'passed', outputs: { answer: 'tell me about paris' }, expected: 'paris' });
    expect(c1.scores.mentions).toMatchObject({ score: 1, pass: true });
    expect(result.cases[9]).toMatchObject({ id: 'c10', status: 'failed' });
    expect(result.cases[9].scores.mentions.pass).toBe(false);

    // The case's run is an ordinary run with every node's trace: the editor opens it on the canvas.
    const run = await json(await runner.api(`/api/runs/${c1.runId}`));
    expect(run.body).toMatchObject({ status: 'succeeded', outputs: { answer: 'tell me about paris' }, document: { name: 'qa' }, source: 'eval' });
    expect(run.body.nodes.answer).toMatchObject({ status: 'succeeded', outputs: { text: 'tell me about paris' } });
    // …and not listed among the pipeline's own runs.
    expect((await json(await runner.api('/api/runs?pipeline=qa'))).body.map((r: any) => r.id)).not.toContain(c1.runId);

    // A finished eval replays the same events.
    const replay = await allSseEvents(await runner.api(`/api/evals/${id}/events`));
    expect(replay.map((e) => e.event)).toEqual(events.map((e) => e.event));
    // Last-Event-ID resumes after that event.
    const resumed = await allSseEvents(await runner.api(`/api/evals/${id}/events`, { headers: { 'last-event-id': '9' } }));
    expect(resumed.map((e) => e.id)).toEqual(['10', '11']);
    expect(resumed.at(-1)!.event).toBe('eval.completed');
    // A suite problem names its JSON path once.
    const twice = await runner.post('/api/evals', { pipeline: 'qa', dataset: 'capitals', suite: { scorers: [{ type: 'contains', name: 'a' }, { type: 'exact', name: 'a' }] } });
    expect(await twice.json()).toMatchObject({ status: 400, detail: 'invalid suite: $.suite.scorers[1].name: two scorers are named "a"; give each a distinct name', errors: [{ path: '$.suite.scorers[1].name' }] });
    // An id this eval's stream never sent is refused, not answered with an empty stream or a full replay.
    for (const bad of ['12', '-1', 'abc', '99999999999999999999']) {
      const res = await runner.api(`/api/evals/${id}/events`, { headers: { 'last-event-id': bad } });
      expect(res.status, bad).toBe(400);
      expect((await res.json()).errors[0].path, bad).toBe('header.last-event-id');
    }
  });

  it('lists the results of a pipeline newest first and compares two versions, regressions first', async () => {
    const v1 = await startEval({ pipeline: 'qa', version: 1 });
    await waitForEval(v1);
    const v2 = await startEval({ pipeline: 'qa', version: 2, baseline: v1 });
    const second = await waitForEval(v2);
    expect(second.status).toBe('succeeded');
    // The baseline given at the start is compared when the eval ends.
    expect(second.comparison.regressed).toEqual(WORDS.map((_, i) => `c${i + 1}`));
    await waitForEval(await startEval({ pipeline: 'other' }));

    const list = (await json(await runner.api('/api/evals?pipeline=qa'))).body;
    expect(list[0]).toMatchObject({ id: v2, version: 2, status: 'succeeded', dataset: { name: 'capitals' } });
    expect(list[1]).toMatchObject({ id: v1, version: 1 });
    expect(list.every((e: any) => e.pipeline === 'qa')).toBe(true);
    expect(list[0].summary.scorers.mentions.mean).toBeCloseTo(0.1);
    expect(Date.parse(list[0].createdAt)).toBeGreaterThanOrEqual(Date.parse(list[1].createdAt));

    const cmp = await json(await runner.api(`/api/compare?a=${v1}&b=${v2}`));
    expect(cmp.status).toBe(200);
    expect(cmp.body.a).toMatchObject({ id: v1, version: 1 });
    expect(cmp.body.b).toMatchObject({ id: v2, version: 2 });
    expect(cmp.body.regressed).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8']);
    expect(cmp.body.unchanged.sort()).toEqual(['c10', 'c9']);
    expect(cmp.body).toMatchObject({ improved: [], onlyInBaseline: [], onlyInCurrent: [] });
    const mentions = cmp.body.scorers.mentions;
    expect(mentions).toMatchObject({ baseline: 0.9, current: 0.1, test: 'mcnemar-exact', n: 10 });
    expect(mentions.delta).toBeCloseTo(-0.8);
    // Eight discordant pairs, all one way: 2 × 0.5^8.
    expect(mentions.pValue).toBeCloseTo(0.0078125, 10);
    expect(mentions.ci[1]).toBeLessThan(0);
    expect(cmp.body.scorers.close.test).toMatch(/^sign-flip/);
  });

  it('refuses a baseline that shares no case id with the dataset, as GET /api/compare does: there would be nothing to pair', async () => {
    const baseline = await startEval({ pipeline: 'qa', version: 1 });
    await waitForEval(baseline);
    expect((await runner.post('/api/datasets', { name: 'elsewhere', cases: [{ id: 'z1', input: { question: 'x' }, expected: 'x' }] })).status).toBe(201);
    const before = (await json(await runner.api('/api/evals?pipeline=qa'))).body.length;
    const refused = await json(await runner.post('/api/evals', { pipeline: 'qa', version: 1, dataset: 'elsewhere', suite: SUITE, baseline }));
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      type: 'urn:patchbay:problem:nothing-to-compare',
      detail: `the baseline eval "${baseline}" shares no case id with dataset "elsewhere" (it ran on dataset "capitals"): there is nothing to pair ($.baseline)`,
      errors: [{ path: '$.baseline', message: 'no case id in common with the dataset' }],
    });
    // Nothing was started; one shared case is enough to compare.
    expect((await json(await runner.api('/api/evals?pipeline=qa'))).body.length).toBe(before);
    expect((await runner.post('/api/datasets', { name: 'elsewhere', cases: [{ id: 'z1', input: { question: 'x' }, expected: 'x' }, CASES[0]] })).status).toBe(201);
    await waitForEval(await startEval({ pipeline: 'qa', version: 1, dataset: 'elsewhere', baseline }));
  });

  it('refuses what cannot run: 404 unknown things, 422 problems and misfits, 400 bad suites', async () => {
    const body = { pipeline: 'qa', dataset: 'capitals', suite: SUITE };
    const post = (patch: Record<string, unknown>) => runner.post('/api/evals', { ...body, ...patch }).then(json);

    expect((await post({ pipeline: 'ghost' })).body.detail).toBe('there is no pipeline "ghost" ($.pipeline)');
    expect((await post({ version: 9 })).body.detail).toMatch(/^pipeline "qa" has no version 9 \(latest is \d+\) \(\$\.version\)$/);
    const noData = await post({ dataset: 'ghost' });
    expect(noData).toMatchObject({ status: 404, body: { detail: 'there is no dataset "ghost" ($.dataset)' } });
    expect(await post({ baseline: 'ghost' })).toMatchObject({ status: 404, body: { detail: 'there is no eval "ghost" to use as the baseline ($.baseline)' } });

    // A saved work-in-progress version (its llm node's input is not wired) cannot be evaluated.
    const wip = qaPipeline('qa', '{{ question }}');
    wip.edges = [{ from: 'answer.text', to: 'out.value' }];
    await runner.post('/api/pipelines/qa/versions', { document: wip, message: 'wip', baseVersion: 2 });
    const invalid = await post({ version: 3 });
    expect(invalid.status).toBe(422);
    expect(invalid.body.type).toBe('urn:patchbay:problem:pipeline-invalid');
    expect(invalid.body.problems.length).toBeGreaterThan(0);

    const target = await post({ version: 1, suite: { scorers: [{ type: 'exact', target: 'nope' }] } });
    expect(target).toMatchObject({ status: 422, body: { detail: expect.stringContaining('target "nope" is not an output'), errors: [{ path: '$.suite.scorers[0].target' }] } });
    await runner.post('/api/datasets', { name: 'misfit', cases: [{ id: 'm1', input: { wrong: 'x' } }] });
    const misfit = await post({ version: 1, dataset: 'misfit' });
    expect(misfit.status).toBe(422);
    expect(misfit.body.detail).toMatch(/case "m1"/);
    expect(misfit.body.errors[0].path).toBe('$.dataset');
    // Expected objects a text scorer would compare as JSON (scoring 0 on every version) are refused before any case runs.
    await runner.post('/api/datasets', { name: 'objects', cases: [{ id: 'o1', input: { question: 'x' }, expected: { answer: 'x', doc: 'd' } }] });
    const objects = await post({ version: 1, dataset: 'objects', suite: { scorers: [{ name: 'mentions', type: 'contains' }] } });
    expect(objects).toMatchObject({ status: 422, body: { type: 'urn:patchbay:problem:eval-does-not-fit', errors: [{ path: '$.dataset' }] } });
    expect(objects.body.detail).toBe(
      'dataset "objects": case 1: case "o1": scorer "mentions" (contains) compares text, but the expected value is an object (answer, doc): name the field to compare with as the scorer\'s "expectedKey", e.g. "expectedKey": "answer" ($.dataset)',
    );
    expect((await post({ version: 1, dataset: 'objects', suite: { scorers: [{ name: 'mentions', type: 'contains', expectedKey: 'answer' }] } })).status).toBe(201);

    // Models this runner cannot call are refused before the eval exists, not failed case by case.
    await runner.post('/api/pipelines', qaPipeline('keyless', '{{ question }}', 'openai:gpt-4o-mini'));
    const keyless = await post({ pipeline: 'keyless', version: undefined });
    expect(keyless).toMatchObject({ status: 422, body: { type: 'urn:patchbay:problem:model-unavailable', detail: 'node "answer": set OPENAI_API_KEY to use openai:gpt-4o-mini ($.pipeline)', errors: [{ path: '$.pipeline' }] } });
    const judge = await post({ version: 1, suite: { scorers: [{ type: 'exact' }, { name: 'judge', type: 'llm-judge', params: { model: 'acme:judge', rubric: 'ok?' } }] } });
    expect(judge).toMatchObject({ status: 422, body: { detail: expect.stringMatching(/^scorer "judge": unknown model provider "acme"/), errors: [{ path: '$.suite.scorers[1].params.model' }] } });
    expect((await (await runner.api('/api/evals?pipeline=keyless')).json())).toEqual([]);

    const unknownType = await post({ version: 1, suite: { scorers: [{ type: 'vibes' }] } });
    expect(unknownType).toMatchObject({ status: 400, body: { detail: expect.stringContaining('unknown scorer type "vibes"'), errors: [{ path: '$.suite.scorers[0].type' }] } });
    const badParams = await post({ version: 1, suite: { scorers: [{ type: 'exact' }, { type: 'regex', params: { pattern: '(' } }] } });
    expect(badParams).toMatchObject({ status: 400, body: { errors: [{ path: '$.suite.scorers[1].params.pattern' }] } });
    const unknownParam = await post({ version: 1, suite: { scorers: [{ type: 'numeric', params: { tolerence: 1 } }] } });
    expect(unknownParam).toMatchObject({ status: 400, body: { detail: expect.stringContaining('unknown field "tolerence"'), errors: [{ path: '$.suite.scorers[0].params' }] } });
    // A scorer's name is a key of each case's scores and of the summary: "__proto__" there set a prototype instead,
    // so its scores vanished and every case passed (a pass rate of 1 whatever the answers).
    const protoName = await post({ version: 1, suite: { scorers: [{ name: '__proto__', type: 'contains' }] } });
    expect(protoName).toMatchObject({
      status: 400,
      body: {
        type: 'urn:patchbay:problem:invalid-suite',
        detail: 'invalid suite: $.suite.scorers[0].name: a scorer cannot be named "__proto__" (its name is a key of each case\'s scores and of the summary); give it another name',
        errors: [{ path: '$.suite.scorers[0].name' }],
      },
    });
    const noScorers = await post({ version: 1, suite: { scorers: [] } });
    expect(noScorers).toMatchObject({ status: 400, body: { errors: [{ path: '$.suite.scorers' }] } });

    expect((await json(await runner.api('/api/evals/ghost'))).status).toBe(404);
    expect((await runner.api('/api/evals/ghost/events')).status).toBe(404);
    expect((await runner.post('/api/evals/ghost/cancel', {})).status).toBe(404);
  });

  it('compares only evals that share cases: 400 for disjoint datasets, 404 unknown ids', async () => {
    await runner.post('/api/datasets', { name: 'elsewhere', cases: [{ id: 'z1', input: { question: 'tell me about paris' }, expected: 'paris' }] });
    const a = await startEval({ pipeline: 'qa', version: 1 });
    const b = await startEval({ pipeline: 'qa', version: 1, dataset: 'elsewhere' });
    await Promise.all([waitForEval(a), waitForEval(b)]);
    const disjoint = await json(await runner.api(`/api/compare?a=${a}&b=${b}`));
    expect(disjoint.status).toBe(400);
    expect(disjoint.body.detail).toMatch(/share no case id/);
    expect((await runner.api(`/api/compare?a=${a}&b=ghost`)).status).toBe(404);
    expect((await json(await runner.api(`/api/compare?a=${a}`))).body.errors[0].path).toBe('query.b');
  });

  it('asks the model again for each repeat (the cache would hand every attempt the first reply), and uses the cache otherwise', async () => {
    const doc = qaPipeline('repeats', '{{ question }}', 'stub:m');
    (doc.nodes[1].config as Record<string, unknown>).temperature = 0; // cached by default
    await runner.post('/api/pipelines', doc);
    await runner.post('/api/datasets', { name: 'one-first', cases: [{ id: 'f1', input: { question: 'first of many' }, expected: 'first' }] });
    const asked = () => stub.requests.filter((r) => r.body?.messages?.at(-1)?.content === 'first of many').length;
    const run = async (repeat: number) => {
      const result = await waitForEval(await startEval({ pipeline: 'repeats', dataset: 'one-first', suite: { scorers: [{ type: 'contains' }], repeat } }));
      expect(result.status).toBe('succeeded');
      return result;
    };
    await run(1);
    expect(asked()).toBe(1);
    await run(1);
    expect(asked()).toBe(1); // a hit
    const repeated = await run(3);
    expect(repeated.cases).toHaveLength(3);
    expect(asked()).toBe(4); // three real calls
  });

  it('cancels a running eval and keeps the cases that finished', async () => {
    await runner.post('/api/datasets', { name: 'slow-cases', cases: [{ id: 's1', input: { question: 'first' } }, { id: 's2', input: { question: 'second' } }] });
    const id = await startEval({ pipeline: 'slow', dataset: 'slow-cases', suite: { scorers: [{ type: 'json-valid' }], concurrency: 1 } });
    const stream = sseEvents(await runner.api(`/api/evals/${id}/events`));
    const seen: string[] = [];
    for await (const event of stream) {
      seen.push(event.event);
      if (event.event === 'eval.case') break;
    }
    const cancelled = await json(await runner.post(`/api/evals/${id}/cancel`, {}));
    expect(cancelled.body).toEqual({ id, status: 'cancelled' });
    const result = await waitForEval(id);
    expect(result).toMatchObject({ status: 'cancelled', progress: { done: 1, total: 2 } });
    expect(result.cases.map((c: any) => c.id)).toEqual(['s1']);
    const again = await json(await runner.post(`/api/evals/${id}/cancel`, {}));
    expect(again).toMatchObject({ status: 409, body: { status: 409, evalStatus: 'cancelled' } });
    const replay = await allSseEvents(await runner.api(`/api/evals/${id}/events`));
    expect(replay.map((e) => e.event)).toEqual(['eval.started', 'eval.case', 'eval.failed']);
    expect(JSON.parse(replay[2].data)).toMatchObject({ status: 'cancelled' });
  });

  it('describes every scorer type with its params as JSON Schema', async () => {
    const types = (await json(await runner.api('/api/scorer-types'))).body;
    const contains = types.find((t: any) => t.type === 'contains');
    expect(contains).toMatchObject({ readsTarget: true, needsExpected: true, defaultThreshold: 1 });
    expect(contains.paramsSchema.properties.mode.enum).toEqual(['any', 'all']);
    expect(types.find((t: any) => t.type === 'latency').readsTarget).toBe(false);
    expect(types.map((t: any) => t.type)).toContain('llm-judge');
    const doc = (await json(await runner.api('/api/openapi.json'))).body;
    for (const path of ['/api/datasets', '/api/evals', '/api/evals/{id}/events', '/api/compare', '/api/scorer-types']) expect(doc.paths[path]).toBeDefined();
  });
});

describe('random bodies', () => {
  const anyJson = fc.jsonValue({ maxDepth: 4 });
  const caseish = fc.oneof(anyJson, fc.record({ id: fc.oneof(fc.constantFrom('a', 'b'), anyJson), input: anyJson, expected: anyJson, tags: anyJson }, { requiredKeys: [] }));
  const scorer = fc.record(
    { type: fc.oneof(fc.constantFrom('exact', 'contains', 'regex', 'json-schema', 'numeric', 'latency', 'javascript'), anyJson), target: fc.oneof(fc.constantFrom('answer', 'node:answer.text', 'node:x.y'), anyJson), params: fc.oneof(fc.dictionary(fc.constantFrom('value', 'pattern', 'schema', 'mode', 'code', 'maxMs'), anyJson), anyJson), threshold: anyJson },
    { requiredKeys: [] },
  );
  const routes: Array<{ label: string; path: fc.Arbitrary<string>; body: fc.Arbitrary<unknown> }> = [
    {
      label: '/api/datasets',
      path: fc.constant('/api/datasets'),
      body: fc.oneof(
        anyJson,
        fc.record({ name: fc.oneof(fc.constant('prop'), anyJson), cases: fc.oneof(fc.array(caseish, { maxLength: 4 }), anyJson) }, { requiredKeys: [] }),
        fc.record({ name: fc.constant('prop'), content: fc.oneof(fc.string(), fc.array(caseish, { maxLength: 3 }).map((cs) => cs.map((c) => JSON.stringify(c)).join('\n'))), format: fc.oneof(fc.constantFrom('jsonl', 'csv', 'json'), anyJson) }, { requiredKeys: [] }),
      ),
    },
    {
      label: '/api/evals',
      path: fc.constant('/api/evals'),
      body: fc.oneof(
        anyJson,
        fc.record(
          { pipeline: fc.oneof(fc.constantFrom('qa', 'ghost'), anyJson), version: fc.oneof(fc.integer({ min: 0, max: 3 }), anyJson), dataset: fc.oneof(fc.constantFrom('capitals', 'ghost'), anyJson), suite: fc.oneof(anyJson, fc.record({ scorers: fc.array(scorer, { maxLength: 2 }), repeat: anyJson, concurrency: anyJson, gate: anyJson }, { requiredKeys: [] })), baseline: anyJson },
          { requiredKeys: [] },
        ),
      ),
    },
    { label: '/api/evals/:id/cancel', path: fc.string().map((s) => `/api/evals/${encodeURIComponent(s || 'x')}/cancel`), body: anyJson },
  ];
  for (const route of routes) {
    it(`POST ${route.label} answers 4xx problems or success, never a 5xx`, async () => {
      await fc.assert(
        fc.asyncProperty(route.path, route.body, async (path, body) => {
          const res = await runner.post(path, body);
          const text = await res.text();
          if (res.status >= 500) throw new Error(`${res.status} for POST ${path} ${JSON.stringify(body).slice(0, 300)}: ${text}`);
          if (res.status >= 400) expect(res.headers.get('content-type')).toBe('application/problem+json');
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('evals across restarts', () => {
  it('marks an eval left running by a dead process interrupted, and stores a finished result without running it', async () => {
    const finished = await waitForEval(await startEval({ pipeline: 'qa', version: 1 }));
    const dataDir = runner.dataDir;
    await runner.server.close();

    const store = openSqliteStore(dataDir);
    await store.evals.create({
      id: 'orphan',
      pipeline: 'qa',
      version: 1,
      dataset: { name: 'capitals', hash: finished.dataset.hash, cases: 10 },
      total: 10,
      baseline: null,
      spec: { suite: 'api', scorers: [{ name: 'mentions', type: 'contains' }], repeat: 1, seed: 'patchbay', behaviorHash: finished.pipeline.behaviorHash },
      createdAt: Date.now(),
      // This host, a pid that is not alive: the process that ran it is gone.
      owner: `${os.hostname()}:999999999`,
    });
    await store.evals.appendCase('orphan', finished.cases[0], 0);
    // The demo's way in: a result file's content stored as a finished eval.
    const { id: _id, status: _s, progress: _p, baseline: _b, createdAt: _c, scorers: _sc, ...result } = finished;
    const seeded = await store.evals.insertResult({ ...result, dataset: { hash: result.dataset.hash, cases: 10 } }, { dataset: 'capitals' });
    await store.close();

    runner = await startTestRunner({ dataDir, env: { STUB_BASE_URL: stub.url } });
    const orphan = (await json(await runner.api('/api/evals/orphan'))).body;
    expect(orphan).toMatchObject({ status: 'interrupted', progress: { done: 1, total: 10 } });
    expect(orphan.summary.scorers.mentions.n).toBe(1);
    const events = await allSseEvents(await runner.api('/api/evals/orphan/events'));
    expect(events.map((e) => e.event)).toEqual(['eval.started', 'eval.case', 'eval.failed']);

    const stored = (await json(await runner.api(`/api/evals/${seeded}`))).body;
    expect(stored).toMatchObject({ status: 'succeeded', pipeline: { name: 'qa', version: 1 }, dataset: { name: 'capitals' } });
    expect(stored.cases).toHaveLength(10);
    const cmp = await json(await runner.api(`/api/compare?a=${seeded}&b=${finished.id}`));
    expect(cmp.body.unchanged).toHaveLength(10);

    // Resumed: the kept case stays as it was, the other nine run, and the stream tells the whole story.
    const resumed = await json(await runner.post('/api/evals/orphan/resume', {}));
    expect(resumed).toEqual({ status: 200, body: { id: 'orphan', status: 'running' } });
    const done = await waitForEval('orphan');
    expect(done).toMatchObject({ status: 'succeeded', progress: { done: 10, total: 10 } });
    expect(done.error ?? null).toBeNull();
    expect(done.createdAt).toBe(orphan.createdAt);
    expect(done.cases.map((c: any) => c.id)).toEqual(finished.cases.map((c: any) => c.id));
    expect(done.cases[0]).toEqual(finished.cases[0]);
    expect(done.summary.scorers.mentions.n).toBe(10);
    const replay = await allSseEvents(await runner.api('/api/evals/orphan/events'));
    expect(replay.map((e) => e.event)).toEqual(['eval.started', ...Array(10).fill('eval.case'), 'eval.completed']);
    expect(replay.slice(1, 11).map((e) => JSON.parse(e.data).done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Only a stopped eval resumes; a finished or unknown one does not.
    expect(await json(await runner.post('/api/evals/orphan/resume', {}))).toMatchObject({ status: 409, body: { type: 'urn:patchbay:problem:eval-not-resumable', status: 409, evalStatus: 'succeeded' } });
    expect((await runner.post('/api/evals/ghost/resume', {})).status).toBe(404);
    expect((await json(await runner.post(`/api/evals/${seeded}/resume`, {}))).status).toBe(409);
  });

  it('does not resume an eval whose workspace changed since it started (an index it reads re-indexed): its cases would mix two', async () => {
    const doc = echoPipeline('slow-kb', 'stub:slow');
    doc.nodes.push({ id: 'search', type: 'retrieve', config: { index: 'kb', topK: 1, mode: 'keyword' } } as never, { id: 'docs', type: 'output', config: { name: 'docs' } } as never);
    doc.edges.push({ from: 'q.value', to: 'search.query' }, { from: 'search.documents', to: 'docs.value' });
    expect((await runner.post('/api/pipelines', doc)).status).toBe(201);
    expect((await runner.post('/api/indexes/kb/documents', { documents: [{ id: 'a', text: 'The first answer is here.' }] })).status).toBe(201);
    await runner.post('/api/datasets', { name: 'kb-cases', cases: [{ id: 'k1', input: { question: 'first' } }, { id: 'k2', input: { question: 'second' } }] });
    const start = async () => {
      const id = await startEval({ pipeline: 'slow-kb', dataset: 'kb-cases', suite: { scorers: [{ type: 'json-valid', target: 'answer' }], concurrency: 1 } });
      for await (const event of sseEvents(await runner.api(`/api/evals/${id}/events`))) if (event.event === 'eval.case') break;
      await runner.post(`/api/evals/${id}/cancel`, {});
      expect(await waitForEval(id)).toMatchObject({ status: 'cancelled', progress: { done: 1, total: 2 } });
      return id;
    };
    // Nothing changed: it resumes (k2 hangs again; cancelled once more).
    const same = await start();
    expect((await json(await runner.post(`/api/evals/${same}/resume`, {}))).status).toBe(200);
    await runner.post(`/api/evals/${same}/cancel`, {});
    expect(await waitForEval(same)).toMatchObject({ status: 'cancelled' });

    const changed = await start();
    expect((await runner.post('/api/indexes/kb/documents', { documents: [{ id: 'b', text: 'Another document.' }] })).status).toBe(201);
    const refused = await json(await runner.post(`/api/evals/${changed}/resume`, {}));
    expect(refused).toMatchObject({ status: 409, body: { type: 'urn:patchbay:problem:eval-not-resumable', evalStatus: 'cancelled' } });
    expect(refused.body.detail ?? refused.body.title).toMatch(/the workspace it ran with changed since it started/);
    expect(await waitForEval(changed)).toMatchObject({ status: 'cancelled', progress: { done: 1, total: 2 } });
  });

  it('resumes a cancelled eval where it stopped', async () => {
    await runner.post('/api/datasets', { name: 'three', cases: [{ id: 't1', input: { question: 'first' } }, { id: 't2', input: { question: 'second' } }, { id: 't3', input: { question: 'third' } }] });
    // t2's reply never comes: the eval is cancelled with t1 done.
    const id = await startEval({ pipeline: 'slow', dataset: 'three', suite: { scorers: [{ type: 'json-valid' }], concurrency: 1 } });
    const stream = sseEvents(await runner.api(`/api/evals/${id}/events`));
    for await (const event of stream) if (event.event === 'eval.case') break;
    await runner.post(`/api/evals/${id}/cancel`, {});
    expect(await waitForEval(id)).toMatchObject({ status: 'cancelled', progress: { done: 1, total: 3 } });
    expect((await json(await runner.post(`/api/evals/${id}/resume`, {}))).status).toBe(200);
    // Running again (t2 still hangs): live, with t1 kept; cancel it once more.
    const again = await json(await runner.api(`/api/evals/${id}`));
    expect(again.body).toMatchObject({ status: 'running', progress: { done: 1, total: 3 } });
    expect((await json(await runner.post(`/api/evals/${id}/resume`, {}))).status).toBe(409);
    expect((await json(await runner.post(`/api/evals/${id}/cancel`, {}))).body.status).toBe('cancelled');
  });
});
