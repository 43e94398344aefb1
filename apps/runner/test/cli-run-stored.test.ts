import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { behaviorHash, contentHash, type PipelineDocument } from '@patchbay/core';
import { cleanEnv, pipelineDoc, runCli, workspace } from './cli-child';
import { askDocsPipeline } from './support/ask-docs-pipeline';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { openSqliteStore } from '../src/store/index';
import { allSseEvents, startTestRunner } from './support/test-runner';

/** who → template → greeting; the template's text tells the versions apart. */
const greeter = (text: string) =>
  pipelineDoc(
    'greeter',
    [
      { id: 'who', type: 'input', config: { name: 'who', valueType: 'string' } },
      { id: 'greet', type: 'template', config: { template: `${text}, {{ who }}!` } },
      { id: 'out', type: 'output', config: { name: 'greeting' } },
    ],
    ['who.value -> greet.who', 'greet.text -> out.value'],
  ) as unknown as PipelineDocument;

const echo = pipelineDoc(
  'echo',
  [
    { id: 'q', type: 'input', config: { name: 'question' } },
    { id: 'answer', type: 'llm', config: { model: 'offline:echo', prompt: '{{ q }}' } },
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ],
  ['q.value -> answer.q', 'answer.text -> out.value'],
);

const remote = pipelineDoc(
  'remote',
  [
    { id: 'q', type: 'input', config: { name: 'question' } },
    { id: 'answer', type: 'llm', config: { model: 'vllm:stub-model', prompt: '{{ q }}', temperature: 0 } },
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ],
  ['q.value -> answer.q', 'answer.text -> out.value'],
);

/** Calls the stored greeter by label and by version: a composed pipeline in a file. */
const composed = (ref: string) =>
  pipelineDoc(
    'greets-twice',
    [
      { id: 'who', type: 'input', config: { name: 'who', valueType: 'string' } },
      { id: 'staged', type: 'pipeline', config: { ref: 'greeter@staging' } },
      { id: 'other', type: 'pipeline', config: { ref } },
      { id: 'a', type: 'output', config: { name: 'staged' } },
      { id: 'b', type: 'output', config: { name: 'other' } },
    ],
    ['who.value -> staged.who', 'who.value -> other.who', 'staged.greeting -> a.value', 'other.greeting -> b.value'],
  );

let ws: ReturnType<typeof workspace>;
let stub: OpenAIStub;
const dir = (...parts: string[]) => path.join(realpathSync(ws.dir), ...parts);

beforeAll(async () => {
  ws = workspace({
    'ask.json': askDocsPipeline,
    'echo.json': echo,
    'remote.json': remote,
    'composed.json': composed('greeter@v2'),
    'dangling.json': composed('greeter@v9'),
    'by-number.json': composed('greeter@1'),
    'greets.jsonl': `${JSON.stringify({ id: 'ada', input: { who: 'Ada' }, expected: 'Welcome, Ada!' })}\n`,
    'greets.suite.json': { format: 'patchbay.eval/v1', dataset: 'greets.jsonl', scorers: [{ name: 'other', type: 'exact', target: 'other' }] },
    'echo-suite.yaml': 'format: patchbay.eval/v1\ndataset: [{id: e1, input: {question: hi}, expected: hi}]\nscorers: [{type: exact}]\n',
  });
  stub = await startOpenAIStub({ handler: () => ({ text: 'From the stub.' }) });
  // Two saved versions of "greeter" in the runner store of ./data, as the editor would leave them.
  mkdirSync(dir('data'));
  const store = openSqliteStore(dir('data'));
  for (const [doc, base] of [[greeter('Hello'), null], [greeter('Welcome'), 1]] as const) {
    const saved = await store.versions.save({ pipeline: 'greeter', document: doc, message: 'save', baseVersion: base, contentHash: contentHash(doc), behaviorHash: behaviorHash(doc), problems: [] });
    expect(saved.status).toBe('created');
  }
  await store.labels.move({ pipeline: 'greeter', label: 'staging', version: 1, by: 'test', note: null, evalId: null, forced: false });
  await store.close();
});
afterAll(async () => {
  await stub.close();
  ws.remove();
});

describe('patchbay run NAME@N', () => {
  it('runs a stored version by number (NAME@N, NAME@vN), by label (NAME@LABEL) and the latest by NAME', async () => {
    const run = (ref: string) => runCli(['run', ref, '--data', 'data', '--input', 'who=Ada'], ws.dir);
    const first = await run('greeter@1');
    const firstV = await run('greeter@v1');
    const latest = await run('greeter');
    const staging = await run('greeter@staging');
    expect(staging.code, staging.stderr).toBe(0);
    expect(JSON.parse(staging.stdout)).toEqual({ greeting: 'Hello, Ada!' });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ greeting: 'Hello, Ada!' });
    expect(JSON.parse(firstV.stdout)).toEqual({ greeting: 'Hello, Ada!' });
    expect(latest.code, latest.stderr).toBe(0);
    expect(JSON.parse(latest.stdout)).toEqual({ greeting: 'Welcome, Ada!' });
  }, 120_000);

  it('refuses a version, pipeline or label the store does not have, and a store that is not there, with exit 2 and one line', async () => {
    const noVersion = await runCli(['run', 'greeter@9', '--data', 'data', '--input', 'who=Ada'], ws.dir);
    const noPipeline = await runCli(['run', 'nobody', '--data', 'data'], ws.dir);
    const label = await runCli(['run', 'greeter@production', '--data', 'data'], ws.dir);
    const noStore = await runCli(['run', 'greeter@1', '--input', 'who=Ada'], ws.dir);
    expect(noVersion.code).toBe(2);
    expect(noVersion.stderr).toBe(`patchbay run: no file greeter@9, and no version 9 of pipeline "greeter" in the store in ${dir('data')}\n`);
    // A number past what a double holds exactly is named as written, not as the number it rounds to.
    const huge = await runCli(['run', 'greeter@v99999999999999999999', '--data', 'data'], ws.dir);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toBe(`patchbay run: no file greeter@v99999999999999999999, and no version 99999999999999999999 of pipeline "greeter" in the store in ${dir('data')}\n`);
    expect(noPipeline.code).toBe(2);
    expect(noPipeline.stderr).toMatch(/no pipeline "nobody" in the store in /);
    expect(label.code).toBe(2);
    expect(label.stderr).toMatch(/no label "production" on pipeline "greeter" .*\(labels: staging; or name a version as greeter@N\)/);
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toMatch(/no runner store in .*\.patchbay .*pass --data DIR/);
    // A version is written as the editor, the API and /v1 write it: v01 or 01 is not read as v1.
    // V1, v1.0 and v+1 too, which /v1 names the model id to use for: no "no such file" that leaves a user guessing.
    for (const ref of ['greeter@v01', 'greeter@01', 'greeter@V1', 'greeter@v1.0', 'greeter@v+1']) {
      const spelt = await runCli(['run', ref, '--data', 'data', '--input', 'who=Ada'], ws.dir);
      expect(spelt.code, ref).toBe(2);
      expect(spelt.stderr).toBe(`patchbay run: no file ${ref}, and "${ref}" is not how a version is written: version 1 is "greeter@v1" (or greeter@1)\n`);
    }
    expect(existsSync(dir('.patchbay'))).toBe(false);
  }, 120_000);
});

describe('patchbay run FILE that calls stored pipelines', () => {
  it("resolves pipeline references in the data dir's runner store and records what they resolved to", async () => {
    const r = await runCli(['run', 'composed.json', '--data', 'data', '--input', 'who=Ada', '--json'], ws.dir);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.outputs).toEqual({ staged: 'Hello, Ada!', other: 'Welcome, Ada!' });
    expect(result.resolved).toEqual({ 'greeter@staging': { pipeline: 'greeter', version: 1, label: 'staging' }, 'greeter@v2': { pipeline: 'greeter', version: 2 } });
    expect(result.nodes.staged.child).toMatchObject({ pipeline: 'greeter', version: 1, status: 'succeeded' });
  }, 120_000);

  it("a recorded run's event stream ends as it ended: run.completed with its outputs", async () => {
    // The CLI stores a run's record, not its events: the runner makes the last event from that record.
    const r = await runCli(['run', 'greeter@v2', '--data', 'data', '--input', 'who=Ada', '--json'], ws.dir);
    expect(r.code, r.stderr).toBe(0);
    const { runId } = JSON.parse(r.stdout);
    const runner = await startTestRunner({ dataDir: dir('data') });
    try {
      const run = await (await runner.api(`/api/runs/${runId}`)).json();
      expect(run).toMatchObject({ status: 'succeeded', source: 'cli' });
      const events = await allSseEvents(await runner.api(`/api/runs/${runId}/events`));
      const last = events.at(-1)!;
      expect(last.event).toBe('run.completed');
      expect(JSON.parse(last.data)).toMatchObject({ type: 'run.completed', runId, outputs: { greeting: 'Welcome, Ada!' }, durationMs: run.durationMs });
    } finally {
      await runner.server.close();
    }
  }, 120_000);

  it('patchbay eval resolves them in the same store', async () => {
    const r = await runCli(['eval', 'composed.json', '--suite', 'greets.suite.json', '--data', 'data', '--out', 'greets.result.json'], ws.dir);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(dir('greets.result.json'), 'utf8'));
    expect(result.cases.map((c: { outputs: unknown }) => c.outputs)).toEqual([{ staged: 'Hello, Ada!', other: 'Welcome, Ada!' }]);
    expect(result.summary.scorers.other.passRate).toBe(1);
  }, 120_000);

  it('a reference the store cannot resolve, or no store at all, is exit 2 naming the data dir', async () => {
    const dangling = await runCli(['run', 'dangling.json', '--data', 'data', '--input', 'who=Ada'], ws.dir);
    expect(dangling.code).toBe(2);
    expect(dangling.stderr).toContain('$.nodes[2].config.ref: node "other": config.ref: pipeline "greeter" has no version 9 (latest is 2)');
    expect(dangling.stderr).toContain(`patchbay run: stored pipelines were looked up in the runner store in ${dir('data')} (pass --data DIR to use another workspace)\n`);
    // greeter@1 is version 1 on the command line; in a node it is refused naming greeter@v1, never read as a label "1".
    const byNumber = await runCli(['run', 'by-number.json', '--data', 'data', '--input', 'who=Ada'], ws.dir);
    expect(byNumber.code).toBe(2);
    expect(byNumber.stderr).toContain('$.nodes[2].config.ref: node "other": config.ref: "greeter@1" is not how a version is written: version 1 is "greeter@v1"');
    const noStore = await runCli(['run', 'composed.json', '--input', 'who=Ada'], ws.dir);
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toBe(
      `patchbay run: composed.json calls stored pipelines (greeter@staging, greeter@v2), and there is no runner store in ${dir('.patchbay')} to find them in (pass --data DIR to use another workspace)\n`,
    );
    expect(existsSync(dir('.patchbay'))).toBe(false);
  }, 120_000);

  it('with PATCHBAY_STORE set (a runner on PostgreSQL), says that run, eval and validate read only a data dir, naming the variable and never its value', async () => {
    // scaling.md's walk-through exports PATCHBAY_STORE, and keys and promote then use it: run and eval do not.
    const env = cleanEnv({ PATCHBAY_STORE: 'postgres://pb:s3cret-pass@127.0.0.1:1/pb' });
    const byName = await runCli(['run', 'greeter@production', '--input', 'who=Ada'], ws.dir, env);
    expect(byName.code).toBe(2);
    expect(byName.stderr).toBe(
      `patchbay run: cannot read greeter@production: no such file, and no runner store in ${dir('.patchbay')} to find a pipeline "greeter" in (pass --data DIR to use another workspace; ` +
        'PATCHBAY_STORE is set, but run, eval and validate read saved pipelines only from the runner store of a data dir, never from a shared store: ' +
        'save the version\'s document to a file, e.g. the "document" of GET /api/pipelines/greeter/versions/N, and give that)\n',
    );
    const evaluated = await runCli(['eval', 'greeter@2', '--suite', 'missing.yaml'], ws.dir, env);
    expect(evaluated.code).toBe(2);
    expect(evaluated.stderr).toContain('PATCHBAY_STORE is set, but run, eval and validate read saved pipelines only from the runner store of a data dir');
    const composed = await runCli(['validate', 'composed.json'], ws.dir, env);
    expect(composed.code).toBe(2);
    expect(composed.stderr).toBe(
      `patchbay validate: composed.json calls stored pipelines (greeter@staging, greeter@v2), and there is no runner store in ${dir('.patchbay')} to find them in (pass --data DIR to use another workspace; ` +
        'PATCHBAY_STORE is set, but run, eval and validate read saved pipelines only from the runner store of a data dir, never from a shared store: ' +
        'run it on a server of that store instead (POST /api/runs with {"document": …, "inputs": …}))\n',
    );
    for (const r of [byName, evaluated, composed]) expect(r.stderr).not.toContain('s3cret');
    expect(existsSync(dir('.patchbay'))).toBe(false);
  }, 120_000);
});

describe('the data dir: where the CLI looked, and nothing made behind your back', () => {
  it('an unknown index names the data dir it looked in and suggests --data', async () => {
    const r = await runCli(['run', 'ask.json', '--input', 'question=refunds'], ws.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^patchbay run: node "search" failed: unknown index "docs"; indexes: \(none\)$/m);
    expect(r.stderr).toContain(
      `patchbay run: looked for indexes in the data dir ${dir('.patchbay')}, which does not exist; pass --data DIR (or set PATCHBAY_DATA) to use another workspace\n`,
    );
    expect(existsSync(dir('.patchbay'))).toBe(false);
  });

  it('a run that stores nothing creates no data dir', async () => {
    const r = await runCli(['run', 'echo.json', '--input', 'question=hi', '--data', 'fresh'], ws.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ answer: 'hi' });
    expect(existsSync(dir('fresh'))).toBe(false);
  });

  it('a run whose model reply is cached creates the data dir then, and says where', async () => {
    const r = await runCli(['run', 'remote.json', '--input', 'question=hi', '--data', 'cached'], ws.dir, cleanEnv({ VLLM_BASE_URL: stub.url }));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ answer: 'From the stub.' });
    expect(r.stderr).toContain(`created the data dir ${dir('cached')} for the response cache\n`);
    expect(existsSync(dir('cached', 'cache.sqlite'))).toBe(true);
  });

  it('a run or search in a data dir that exists but is empty leaves it empty until a reply is cached (so serve still seeds the demo there)', async () => {
    mkdirSync(dir('empty'));
    const run = await runCli(['run', 'echo.json', '--input', 'question=hi', '--data', 'empty'], ws.dir);
    expect(run.code, run.stderr).toBe(0);
    const search = await runCli(['search', 'docs', 'refund', '--data', 'empty'], ws.dir);
    expect(search.code).toBe(2);
    const asked = await runCli(['eval', 'echo.json', '--suite', 'echo-suite.yaml', '--out', 'empty-echo.json', '--data', 'empty'], ws.dir);
    expect(asked.code, asked.stderr).toBe(0);
    // before: cache.sqlite and retrieval.sqlite, empty, made by each of them
    expect(readdirSync(dir('empty'))).toEqual([]);
    const cached = await runCli(['run', 'remote.json', '--input', 'question=hi', '--data', 'empty'], ws.dir, cleanEnv({ VLLM_BASE_URL: stub.url }));
    expect(cached.code, cached.stderr).toBe(0);
    expect(cached.stderr).not.toContain('created the data dir');
    expect(readdirSync(dir('empty'))).toEqual(['cache.sqlite']);
  });
});
