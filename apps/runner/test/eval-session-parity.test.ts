import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, workspace } from './cli-child';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';

// `patchbay eval` and `POST /api/evals` run one eval session: the same pipeline,
// dataset and suite give the same per-case statuses, scores, summary and comparison.

/** input → llm (offline:echo) → output; v2 shouts, so lower-case expected words stop matching. */
function qa(prompt: string) {
  const doc = echoPipeline('qa');
  doc.nodes[1].config = { model: 'offline:echo', prompt };
  return doc;
}
const V1 = qa('{{ question }}');
const V2 = qa('{{ question | upcase }}');
const WORDS = ['paris', 'rome', 'oslo', 'bern', 'lima', 'kyiv'];
const CASES = [
  ...WORDS.map((w, i) => ({ id: `c${i + 1}`, input: { question: `tell me about ${w}` }, expected: w })),
  { id: 'c7', input: { question: 'what is 42' }, expected: '42' },
  { id: 'c8', input: { question: 'say nothing' }, expected: 'zebra' },
];
// Repeat 2: the cache policy for repeats (every attempt a real call) is the session's, for both.
const SUITE = {
  name: 'parity',
  scorers: [{ name: 'mentions', type: 'contains' }, { name: 'close', type: 'levenshtein', threshold: 0.1 }],
  repeat: 2,
  concurrency: 3,
};
const SUITE_YAML = `format: patchbay.eval/v1
name: parity
dataset: cases.jsonl
repeat: 2
concurrency: 3
scorers:
  - {name: mentions, type: contains}
  - {name: close, type: levenshtein, threshold: 0.1}
`;

let ws: ReturnType<typeof workspace>;
let runner: TestRunner;

beforeAll(async () => {
  ws = workspace({ 'v1.json': V1, 'v2.json': V2, 'cases.jsonl': CASES.map((c) => JSON.stringify(c)).join('\n'), 'suite.yaml': SUITE_YAML });
  runner = await startTestRunner();
  expect((await runner.post('/api/pipelines', V1)).status).toBe(201);
  expect((await runner.post('/api/pipelines/qa/versions', { document: V2, message: 'shout', baseVersion: 1 })).status).toBe(201);
  expect((await runner.post('/api/datasets', { name: 'capitals', cases: CASES })).status).toBe(201);
});
afterAll(async () => {
  await runner?.close();
  ws?.remove();
});

async function cliEval(file: string, out: string, baseline?: string): Promise<any> {
  const args = ['eval', file, '--suite', 'suite.yaml', '--out', out, ...(baseline ? ['--baseline', baseline] : [])];
  const r = await runCli(args, ws.dir, cleanEnv({ PATCHBAY_DATA: path.join(ws.dir, 'data') }));
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(readFileSync(path.join(ws.dir, out), 'utf8'));
}

async function apiEval(version: number, baseline?: string): Promise<any> {
  const res = await runner.post('/api/evals', { pipeline: 'qa', version, dataset: 'capitals', suite: SUITE, ...(baseline ? { baseline } : {}) });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(201);
  for (const deadline = Date.now() + 60_000; ; ) {
    const result = await (await runner.api(`/api/evals/${body.id}`)).json();
    if (result.status !== 'running') return result;
    if (Date.now() > deadline) throw new Error(`eval ${body.id} still running`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What must agree: each case × repeat's status and scores, in dataset order. */
const perCase = (result: any) =>
  result.cases.map((c: any) => ({ id: c.id, repeat: c.repeat, status: c.status, scores: c.scores, outputs: c.outputs }));
/** The summary without timings. */
const summary = (result: any) => {
  const { latencyMs: _latency, ...rest } = result.summary;
  return rest;
};

describe('one eval session for the CLI and the API', () => {
  it('gives the same cases, summary and comparison with a baseline', async () => {
    const [cliV1, apiV1] = await Promise.all([cliEval('v1.json', 'v1.result.json'), apiEval(1)]);
    expect(apiV1.status).toBe('succeeded');
    expect(perCase(apiV1)).toEqual(perCase(cliV1));
    expect(summary(apiV1)).toEqual(summary(cliV1));
    expect(cliV1.summary).toMatchObject({ cases: 16, passed: 14, failed: 2 });
    expect(apiV1.repeat).toBe(2);

    const [cliV2, apiV2] = await Promise.all([cliEval('v2.json', 'v2.result.json', 'v1.result.json'), apiEval(2, apiV1.id)]);
    expect(perCase(apiV2)).toEqual(perCase(cliV2));
    expect(summary(apiV2)).toEqual(summary(cliV2));
    // The baseline is named differently (a file, an eval id); what it found is the same.
    const { baseline: cliBaseline, ...cliComparison } = cliV2.comparison;
    const { baseline: apiBaseline, ...apiComparison } = apiV2.comparison;
    expect(cliBaseline).toBe('v1.result.json');
    expect(apiBaseline).toBe(apiV1.id);
    expect(apiComparison).toEqual(cliComparison);
    expect(cliComparison.regressed).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
  });

  it('refuses the same bad input in both: a target that is not in the pipeline', async () => {
    const bad = SUITE_YAML.replace('type: contains}', 'type: contains, target: node:nope.value}');
    const file = path.join(ws.dir, 'bad.yaml');
    (await import('node:fs')).writeFileSync(file, bad);
    const cli = await runCli(['eval', 'v1.json', '--suite', 'bad.yaml'], ws.dir, cleanEnv({ PATCHBAY_DATA: path.join(ws.dir, 'data') }));
    const api = await runner.post('/api/evals', {
      pipeline: 'qa',
      version: 1,
      dataset: 'capitals',
      suite: { ...SUITE, scorers: [{ name: 'mentions', type: 'contains', target: 'node:nope.value' }] },
    });
    const problem = await api.json();
    expect(cli.code).toBe(2);
    expect(api.status).toBe(422);
    expect(problem).toMatchObject({ status: 422, type: 'urn:patchbay:problem:eval-does-not-fit', errors: [{ path: '$.suite.scorers[0].target' }] });
    // The same reason; the API's detail also names where in the body it is.
    expect(problem.detail).toBe(`${problem.errors[0].message} ($.suite.scorers[0].target)`);
    expect(cli.stderr).toContain(problem.errors[0].message);
  });
});
