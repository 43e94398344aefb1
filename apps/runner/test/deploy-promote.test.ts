import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, StubGate } from '../../../test/support/openai-stub';
import { cleanEnv, pipelineDoc, runCli, startCli } from './cli-child';
import { askDocsPipeline } from './support/ask-docs-pipeline';
import { echoPipeline, sseEvents, startTestRunner, type TestRunner } from './support/test-runner';

let runner: TestRunner;
const json = async (res: Response) => res.json();

const CASES = ['paris', 'lima', 'oslo', 'rome'].map((city, i) => ({ id: `c${i + 1}`, input: { question: city }, expected: city }));
const SUITE = { name: 'qa-suite', dataset: 'qa', scorers: [{ name: 'mentions', type: 'contains', target: 'answer' }] };

/** v1 echoes the question (passes), v2 answers "nothing" (every case regresses), v3 "Q: <question>" (passes). */
async function saveVersions() {
  expect((await runner.post('/api/pipelines', echoPipeline('qa'))).status).toBe(201);
  for (const [n, prompt] of [[2, '{% if question %}nothing{% endif %}'], [3, 'Q: {{ question }}']] as const) {
    const doc = echoPipeline('qa');
    doc.nodes[1].config.prompt = prompt;
    expect((await runner.post('/api/pipelines/qa/versions', { document: doc, message: `v${n}`, baseVersion: n - 1 })).status).toBe(201);
  }
}

/** Starts a promotion over HTTP and follows its events to the end; answers the events and the promotion. */
async function promote(body: Record<string, unknown>) {
  const res = await runner.post('/api/pipelines/qa/promotions', { label: 'production', suite: SUITE, ...body });
  expect(res.status).toBe(202);
  const { id } = await res.json();
  const events = [];
  for await (const e of sseEvents(await runner.api(`/api/promotions/${id}/events`))) events.push({ type: e.event, ...JSON.parse(e.data) });
  return { events, promotion: await json(await runner.api(`/api/promotions/${id}`)) };
}

beforeAll(async () => {
  runner = await startTestRunner();
  await saveVersions();
  expect((await runner.post('/api/datasets', { name: 'qa', cases: CASES })).status).toBe(201);
  expect((await runner.put('/api/pipelines/qa/labels/production', { version: 1 })).status).toBe(200);
});
afterAll(() => runner.close());

describe('promotion over HTTP', () => {
  it('refuses a version that regresses: the label stays, the failing gate and the regressed cases are in the result', async () => {
    const { events, promotion } = await promote({ version: 2 });
    expect(events[0]).toMatchObject({ type: 'promotion.started', from: 1, to: 2 });
    expect(events.filter((e) => e.type === 'promotion.eval').map((e) => [e.version, e.reused])).toEqual([[2, false], [1, false]]);
    expect(events.at(-1).type).toBe('promotion.completed');
    expect(promotion).toMatchObject({ status: 'refused', moved: false, from: 1, to: 2, forced: false });
    expect(promotion.gates.passed).toBe(false);
    expect(promotion.comparison.regressed).toEqual(['c1', 'c2', 'c3', 'c4']);
    // The failing gate counts the cases comparison.regressed names: each id once in the answer.
    expect(promotion.gates.checks[0]).toEqual({ gate: 'fail-on regression', passed: false, message: '4 cases regressed (comparison.regressed lists them)' });
    for (const id of ['c1', 'c2', 'c3', 'c4']) expect(JSON.stringify(promotion).match(new RegExp(`(?<![\\w-])${id}(?![\\w-])`, 'g')), id).toHaveLength(1);
    expect(promotion.evalIds.candidate).toEqual(expect.any(String));
    expect((await json(await runner.api('/api/pipelines/qa/labels'))).labels.production.version).toBe(1);
    expect((await json(await runner.api('/api/pipelines/qa/deployments'))).deployments).toHaveLength(1);
  });

  it('a dry run compares and gates like a promotion but moves nothing (the editor shows it before the move)', async () => {
    const { events, promotion } = await promote({ version: 2, dryRun: true });
    expect(events.filter((e) => e.type === 'promotion.eval').map((e) => [e.version, e.reused])).toEqual([[2, true], [1, true]]);
    expect(promotion).toMatchObject({ status: 'checked', moved: false, from: 1, to: 2, forced: false });
    expect(promotion.gates.passed).toBe(false);
    expect(promotion.comparison.regressed).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect((await json(await runner.api('/api/pipelines/qa/labels'))).labels.production.version).toBe(1);
    expect((await json(await runner.api('/api/pipelines/qa/deployments'))).deployments).toHaveLength(1);
  });

  it('takes any stored dataset by its name, as patchbay promote stores a suite\'s file ("cases.jsonl"), not only a slug', async () => {
    for (const name of ['qa.jsonl', 'QA_cases']) {
      expect((await runner.post('/api/datasets', { name, cases: CASES })).status, name).toBe(201);
      const { promotion } = await promote({ version: 2, dryRun: true, suite: { ...SUITE, dataset: name } });
      expect(promotion, name).toMatchObject({ status: 'checked', moved: false, from: 1, to: 2 });
      expect(promotion.comparison.regressed, name).toEqual(['c1', 'c2', 'c3', 'c4']);
    }
    // A name no dataset can have is still refused, in the words POST /api/datasets uses.
    const res = await runner.post('/api/pipelines/qa/promotions', { label: 'production', version: 2, dryRun: true, suite: { ...SUITE, dataset: '../qa' } });
    expect(res.status).toBe(400);
    expect((await res.json()).errors).toEqual([{ path: '$.suite.dataset', message: 'a dataset name is letters, digits, ".", "_" and "-", starting with a letter or digit' }]);
  });

  it('moves the label when nothing regresses, reusing the stored eval of the holder', async () => {
    const { events, promotion } = await promote({ version: 3 });
    expect(events.filter((e) => e.type === 'promotion.eval').map((e) => [e.version, e.reused])).toEqual([[3, false], [1, true]]);
    expect(promotion).toMatchObject({ status: 'moved', moved: true, from: 1, to: 3, forced: false });
    expect(promotion.comparison.regressed).toEqual([]);
    const [latest] = (await json(await runner.api('/api/pipelines/qa/deployments'))).deployments;
    expect(latest).toMatchObject({ label: 'production', from: 1, to: 3, by: 'admin', forced: false, evalId: promotion.evalIds.candidate });
  });

  it('with force, moves past a failing gate and records it as forced with the eval', async () => {
    const { events, promotion } = await promote({ version: 2, force: true, label: 'staging' });
    // staging was not set: only the candidate's own gates apply (none but the skipped regression check), so it moves unforced.
    expect(promotion).toMatchObject({ moved: true, from: null, to: 2, forced: false });
    expect(events.filter((e) => e.type === 'promotion.eval').map((e) => e.reused)).toEqual([true]);
    const forced = await promote({ version: 2, force: true });
    expect(forced.promotion).toMatchObject({ status: 'moved', moved: true, from: 3, to: 2, forced: true });
    const [latest] = (await json(await runner.api('/api/pipelines/qa/deployments'))).deployments;
    // asked over HTTP (the editor's Move anyway too): the note names the force as it was given, not the CLI's --force
    expect(latest).toMatchObject({ label: 'production', from: 3, to: 2, forced: true, evalId: forced.promotion.evalIds.candidate, note: 'promoted with "force": true past failing gates' });
    // Roll back: a move like any other, recorded.
    expect((await runner.put('/api/pipelines/qa/labels/production', { version: 3, note: 'rollback' })).status).toBe(200);
  });

  it('promotes to the version the label holds without an eval: moved false, from = to, nothing recorded', async () => {
    const history = (await json(await runner.api('/api/pipelines/qa/deployments'))).deployments;
    const { movedAt } = (await json(await runner.api('/api/pipelines/qa/labels'))).labels.production;
    for (const body of [{ version: 3 }, { version: 3, force: true }, { version: 3, dryRun: true }]) {
      const { events, promotion } = await promote(body);
      expect(events.map((e) => e.type), JSON.stringify(body)).toEqual(['promotion.started', 'promotion.completed']);
      expect(promotion).toMatchObject({ status: 'unchanged', moved: false, from: 3, to: 3, comparison: null, gates: null, evalIds: { candidate: null, holder: null }, forced: false, note: 'production already holds v3' });
    }
    expect((await json(await runner.api('/api/pipelines/qa/labels'))).labels.production).toEqual({ version: 3, movedAt });
    expect((await json(await runner.api('/api/pipelines/qa/deployments'))).deployments).toEqual(history);
  });

  it('answers 4xx for what cannot be promoted', async () => {
    const post = (body: unknown) => runner.post('/api/pipelines/qa/promotions', body);
    expect((await post({ label: 'production', version: 9, suite: SUITE })).status).toBe(404);
    expect((await post({ label: 'production', version: 2, suite: { ...SUITE, dataset: 'nope' } })).status).toBe(404);
    expect((await post({ label: 'production', version: 2, suite: { ...SUITE, scorers: [] } })).status).toBe(400);
    const both = await post({ label: 'production', version: 2, suite: SUITE, force: true, dryRun: true });
    expect(both.status).toBe(400);
    expect((await both.json()).errors[0].path).toBe('$.force');
    // A bad label gets core's reason (the editor's and PUT …/labels' too), not a reason that does not apply.
    for (const [label, reason] of [
      ['v2', /"v2" reads as version 2: a label cannot look like a version/],
      ['2', /"2" reads as version 2: a label cannot look like a version/],
      ['x'.repeat(300), /a label is at most 64 characters \(this one has 300\)/],
      ['Production', /a label is a slug: lowercase letters, digits and -/],
    ] as const) {
      const bad = await post({ label, version: 2, suite: SUITE });
      expect(bad.status, label).toBe(400);
      const problem = await bad.json();
      expect(problem.errors[0].path).toBe('$.label');
      expect(problem.detail).toMatch(reason);
    }
    expect((await runner.api('/api/promotions/nope')).status).toBe(404);
  });

  it('refuses at once (422 with the JSON path, not 202 and a failed promotion later) a suite the candidate cannot be evaluated on, as POST /api/evals does', async () => {
    const post = (body: unknown) => runner.post('/api/pipelines/qa/promotions', body);
    const target = await post({ label: 'production', version: 2, suite: { ...SUITE, scorers: [{ name: 'mentions', type: 'contains', target: 'reply' }] } });
    expect(target.status).toBe(422);
    const targetProblem = await target.json();
    expect(targetProblem).toMatchObject({ type: 'urn:patchbay:problem:eval-does-not-fit', errors: [{ path: '$.suite.scorers[0].target' }] });
    expect(targetProblem.holder).toBeUndefined();
    expect(targetProblem.detail).toMatch(/"reply" is not an output/);

    expect((await runner.post('/api/datasets', { name: 'wrong-inputs', cases: [{ id: 'w1', input: { topic: 'x' }, expected: 'x' }] })).status).toBe(201);
    const cases = await post({ label: 'production', version: 2, suite: { ...SUITE, dataset: 'wrong-inputs' } });
    expect(cases.status).toBe(422);
    expect((await cases.json()).errors[0].path).toBe('$.suite.dataset');
    // Expected objects a contains scorer would compare as JSON: both versions would fail every case and nothing would regress.
    expect((await runner.post('/api/datasets', { name: 'objects', cases: [{ id: 'o1', input: { question: 'x' }, expected: { answer: 'x' } }] })).status).toBe(201);
    const objects = await post({ label: 'production', version: 2, suite: { ...SUITE, dataset: 'objects' } });
    expect(objects.status).toBe(422);
    const objectsProblem = await objects.json();
    expect(objectsProblem.errors[0].path).toBe('$.suite.dataset');
    expect(objectsProblem.detail).toMatch(/case "o1": scorer "mentions" \(contains\) compares text, but the expected value is an object \(answer\)/);
  });
});

describe('a promotion racing another change to its pipeline', () => {
  /** A runner whose model calls wait until `held.open()`; pipeline NAME has v1 (labelled production), v2 and v3. */
  async function heldRunner(name: string) {
    const held = new StubGate();
    let asked!: () => void;
    const firstCall = new Promise<void>((resolve) => (asked = resolve));
    const stub = await startOpenAIStub({
      handler: async (req) => {
        asked();
        await held.opened();
        return { text: String(req.body?.messages?.at(-1)?.content ?? '') };
      },
    });
    const held_ = await startTestRunner({ env: { STUB_BASE_URL: stub.url } });
    const putLabel = (version: number) =>
      held_.put(`/api/pipelines/${name}/labels/production`, { version });
    expect((await held_.post('/api/pipelines', echoPipeline(name, 'stub:model'))).status).toBe(201);
    for (const n of [2, 3]) {
      const doc = echoPipeline(name, 'stub:model');
      doc.nodes[1].config.prompt = `v${n} {{ question }}`;
      expect((await held_.post(`/api/pipelines/${name}/versions`, { document: doc, message: `v${n}`, baseVersion: n - 1 })).status).toBe(201);
    }
    expect((await held_.post('/api/datasets', { name: 'qa', cases: CASES })).status).toBe(201);
    expect((await putLabel(1)).status).toBe(200);
    /** Starts promoting v2 and resolves once its first model call is held. */
    const startPromotion = async () => {
      const started = await held_.post(`/api/pipelines/${name}/promotions`, { label: 'production', version: 2, suite: SUITE });
      expect(started.status).toBe(202);
      const { id } = await started.json();
      await firstCall;
      return id as string;
    };
    /** Lets the model calls go and answers the promotion once it has ended. */
    const finish = async (id: string) => {
      held.open();
      for await (const _ of sseEvents(await held_.api(`/api/promotions/${id}/events`)));
      return json(await held_.api(`/api/promotions/${id}`));
    };
    const close = async () => {
      held.open();
      await held_.close();
      await stub.close();
    };
    return { runner: held_, putLabel, startPromotion, finish, close };
  }

  it('does not move the label past a version it never compared with: a move made while it evaluated wins, and the promotion says so', async () => {
    const raced = await heldRunner('raced');
    try {
      const id = await raced.startPromotion();
      // While it runs it says what it compares with (from: null would read as a label not set yet) and the eval it runs.
      for await (const e of sseEvents(await raced.runner.api(`/api/promotions/${id}/events`))) if (e.event === 'promotion.eval') break;
      const running = await json(await raced.runner.api(`/api/promotions/${id}`));
      expect(running).toMatchObject({ status: 'running', moved: false, from: 1, to: 2, evalIds: { candidate: expect.any(String), holder: null } });
      // Someone moves production to v3 while v2 is being compared with v1.
      expect((await raced.putLabel(3)).status).toBe(200);
      const promotion = await raced.finish(id);
      expect(promotion).toMatchObject({ status: 'failed', moved: false, from: 1, to: 2 });
      expect(promotion.error).toMatch(/production moved from v1 to v3 while this promotion ran/);
      expect((await json(await raced.runner.api('/api/pipelines/raced/labels'))).labels.production.version).toBe(3);
      const history = (await json(await raced.runner.api('/api/pipelines/raced/deployments'))).deployments;
      expect(history.map((d: any) => [d.from, d.to])).toEqual([[1, 3], [null, 1]]);
    } finally {
      await raced.close();
    }
  }, 60_000);

  it('two promotions of the same version at once (a double click): one moves the label, the other says it holds that version now, not failed', async () => {
    const twice = await heldRunner('twice');
    try {
      const first = await twice.startPromotion();
      const second = await twice.startPromotion();
      const outcomes = [await twice.finish(first), await twice.finish(second)];
      const moved = outcomes.filter((p) => p.status === 'moved');
      expect(moved).toHaveLength(1);
      expect(moved[0]).toMatchObject({ moved: true, from: 1, to: 2 });
      const other = outcomes.find((p) => p !== moved[0]);
      expect(other).toMatchObject({ status: 'unchanged', moved: false, from: 1, to: 2, note: 'production already holds v2: another promotion moved it there while this one ran' });
      expect(other.error).toBeUndefined();
      const history = (await json(await twice.runner.api('/api/pipelines/twice/deployments'))).deployments;
      expect(history.map((d: any) => [d.from, d.to])).toEqual([[1, 2], [null, 1]]);
    } finally {
      await twice.close();
    }
  }, 60_000);

  it('keeps what it knew when it fails part way (the pipeline deleted under it): from, to and the candidate eval it ran', async () => {
    const gone = await heldRunner('gone');
    try {
      const id = await gone.startPromotion();
      expect((await gone.runner.api('/api/pipelines/gone', { method: 'DELETE' })).status).toBe(204);
      const promotion = await gone.finish(id);
      expect(promotion).toMatchObject({ status: 'failed', moved: false, from: 1, to: 2 });
      expect(promotion.error).toMatch(/no pipeline "gone"/);
      expect(promotion.evalIds.candidate).toEqual(expect.any(String));
      expect((await gone.runner.api(`/api/evals/${promotion.evalIds.candidate}`)).status).toBe(200);
    } finally {
      await gone.close();
    }
  }, 60_000);

  it('does not move the label to a version of the same number saved after the pipeline was deleted and made again while it ran: that one was never evaluated', async () => {
    const reborn = await heldRunner('reborn');
    try {
      const id = await reborn.startPromotion();
      expect((await reborn.runner.api('/api/pipelines/reborn', { method: 'DELETE' })).status).toBe(204);
      // Made again under the same name, its v2 answering "nothing", and production pointed at v1 as before.
      expect((await reborn.runner.post('/api/pipelines', echoPipeline('reborn', 'stub:model'))).status).toBe(201);
      const doc = echoPipeline('reborn', 'stub:model');
      doc.nodes[1].config.prompt = '{% if question %}nothing{% endif %}';
      expect((await reborn.runner.post('/api/pipelines/reborn/versions', { document: doc, message: 'other v2', baseVersion: 1 })).status).toBe(201);
      expect((await reborn.putLabel(1)).status).toBe(200);
      const promotion = await reborn.finish(id);
      expect(promotion).toMatchObject({ status: 'failed', moved: false, from: 1, to: 2 });
      expect(promotion.error).toMatch(/v2 of "reborn" is not the version evaluated/);
      expect((await json(await reborn.runner.api('/api/pipelines/reborn/labels'))).labels.production.version).toBe(1);
    } finally {
      await reborn.close();
    }
  }, 60_000);
  it('refuses at once (422 naming the version the label holds and the way on) a suite that version cannot be scored on, rather than a promotion that fails blaming the pipeline; force moves it, recorded as forced', async () => {
    // v1 has no node "shout"; v2 adds it, and the suite scores it: the suite cannot compare v2 with v1.
    expect((await runner.post('/api/pipelines', echoPipeline('grows'))).status).toBe(201);
    const v2 = echoPipeline('grows');
    v2.nodes.push({ id: 'shout', type: 'template', config: { template: '{{ question | upcase }}' } } as never);
    v2.edges.push({ from: 'q.value', to: 'shout.question' });
    expect((await runner.post('/api/pipelines/grows/versions', { document: v2, message: 'shout', baseVersion: 1 })).status).toBe(201);
    expect((await runner.put('/api/pipelines/grows/labels/canary', { version: 1 })).status).toBe(200);
    const suite = { ...SUITE, scorers: [...SUITE.scorers, { name: 'shouts', type: 'contains', target: 'node:shout.text' }] };
    for (const dryRun of [false, true]) {
      const res = await runner.post('/api/pipelines/grows/promotions', { label: 'canary', version: 2, suite, ...(dryRun ? { dryRun } : {}) });
      expect(res.status, `dryRun ${dryRun}`).toBe(422);
      const problem = await res.json();
      // `holder`: the version force moves past (a client offers it); the candidate's own misfit has none
      expect(problem).toMatchObject({ type: 'urn:patchbay:problem:eval-does-not-fit', errors: [{ path: '$.suite.scorers[1].target' }] });
      expect(problem.holder).toEqual({ version: 1, reason: 'scorer "shouts": target node:shout.text: no node "shout" in pipeline "grows"' });
      expect(problem.detail).toBe(
        'v1, which canary holds, cannot be evaluated on this suite: scorer "shouts": target node:shout.text: no node "shout" in pipeline "grows"; a promotion evaluates both versions on one suite, so give one that fits both, or move canary anyway with force (patchbay promote --force), recorded as forced and compared with nothing ($.suite.scorers[1].target)',
      );
    }
    // v3 takes an input v1 has not: a dataset made for v3 cannot be run on v1 either.
    const v3 = echoPipeline('grows');
    v3.nodes.push({ id: 'lang', type: 'input', config: { name: 'lang', valueType: 'string' } } as never);
    v3.nodes[1].config.prompt = '{{ question }} ({{ lang }})';
    v3.edges.push({ from: 'lang.value', to: 'answer.lang' });
    expect((await runner.post('/api/pipelines/grows/versions', { document: v3, message: 'lang', baseVersion: 2 })).status).toBe(201);
    expect((await runner.post('/api/datasets', { name: 'qa-lang', cases: CASES.map((c) => ({ ...c, input: { ...c.input, lang: 'en' } })) })).status).toBe(201);
    const inputs = await runner.post('/api/pipelines/grows/promotions', { label: 'canary', version: 3, suite: { ...SUITE, dataset: 'qa-lang' } });
    expect(inputs.status).toBe(422);
    const inputsProblem = await inputs.json();
    expect(inputsProblem).toMatchObject({ type: 'urn:patchbay:problem:eval-does-not-fit', errors: [{ path: '$.suite.dataset' }], holder: { version: 1 } });
    expect(inputsProblem.detail).toMatch(/^v1, which canary holds, cannot be evaluated on this suite: .*case "c1": the pipeline has no input "lang" \(its inputs: question\); a promotion evaluates both versions on one suite/);
    expect((await json(await runner.api('/api/pipelines/grows/deployments'))).deployments).toHaveLength(1);

    // force: v2 alone is evaluated (its own gates apply), and the move is recorded as forced with its eval
    const res = await runner.post('/api/pipelines/grows/promotions', { label: 'canary', version: 2, suite, force: true });
    expect(res.status).toBe(202);
    const { id } = await res.json();
    for await (const _ of sseEvents(await runner.api(`/api/promotions/${id}/events`)));
    const forced = await json(await runner.api(`/api/promotions/${id}`));
    expect(forced).toMatchObject({ status: 'moved', moved: true, from: 1, to: 2, forced: true, comparison: null, evalIds: { holder: null } });
    expect(forced.gates.checks).toEqual([{ gate: 'fail-on regression', passed: true, skipped: true, message: 'skipped: v1, which canary holds, cannot be evaluated on this suite' }]);
    const [latest] = (await json(await runner.api('/api/pipelines/grows/deployments'))).deployments;
    expect(latest).toMatchObject({ label: 'canary', from: 1, to: 2, forced: true, evalId: forced.evalIds.candidate, note: 'promoted with "force": true: v1, which canary holds, cannot be evaluated on this suite' });
  });
});

describe('patchbay promote', () => {
  it('exits 1 on a regression (label unchanged, gate and cases printed), 2 on bad input, 0 with one line for the version the label holds', async () => {
    const dir = runner.dataDir;
    writeFileSync(path.join(dir, 'cases.jsonl'), CASES.map((c) => JSON.stringify(c)).join('\n') + '\n');
    writeFileSync(path.join(dir, 'suite.json'), JSON.stringify({ format: 'patchbay.eval/v1', name: 'qa-suite', dataset: 'cases.jsonl', scorers: SUITE.scorers }));
    const refused = await runCli(['promote', 'qa', '--label', 'production', '--version', '2', '--suite', 'suite.json', '--data', dir], dir, cleanEnv());
    expect(refused.code).toBe(1);
    // The failing gate and the cases, each case once: listed with the comparison, which the gate line points to.
    expect(refused.stdout).toMatch(/^regressed \(4\): c1, c2, c3, c4$/m);
    expect(refused.stdout).toMatch(/^gate FAIL  fail-on regression: 4 cases regressed \(listed above\)$/m);
    expect(refused.stdout).toMatch(/^refused: the fail-on regression gate failed$/m);
    for (const id of ['c1', 'c2', 'c3', 'c4']) expect(refused.stdout.match(new RegExp(`(?<![\\w-])${id}(?![\\w-])`, 'g')), id).toHaveLength(1);
    expect(refused.stdout).toMatch(/production stays at v3/);
    // --json is the promotion's outcome, every field as over HTTP: the gate counts the cases comparison.regressed names.
    const refusedJson = await runCli(['promote', 'qa', '--label', 'production', '--version', '2', '--suite', 'suite.json', '--data', dir, '--json'], dir, cleanEnv());
    expect(refusedJson.code).toBe(1);
    const outcome = JSON.parse(refusedJson.stdout);
    expect(Object.keys(outcome).sort()).toEqual(['comparison', 'evalIds', 'forced', 'from', 'gates', 'moved', 'status', 'to']);
    expect(outcome.comparison.regressed).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(outcome.gates.checks).toEqual([{ gate: 'fail-on regression', passed: false, message: '4 cases regressed (comparison.regressed lists them)' }]);
    // The comparison names the version it was made with, not only an eval id the user never saw.
    expect(refused.stdout).toMatch(/^compared with v3, which production holds \(eval [0-9a-f-]{36}\)$/m);
    expect(refused.stderr).toMatch(/v2: reusing stored eval/);
    const version2 = await runCli(['promote', 'qa', '--label', 'v2', '--version', '2', '--suite', 'suite.json', '--data', dir], dir, cleanEnv());
    expect(version2.code).toBe(2);
    expect(version2.stderr.trim()).toBe('patchbay promote: --label "v2" is not a label: "v2" reads as version 2: a label cannot look like a version.');
    const digits = await runCli(['promote', 'qa', '--label', '2', '--version', '2', '--suite', 'suite.json', '--data', dir], dir, cleanEnv());
    expect(digits.code).toBe(2);
    expect(digits.stderr.trim()).toBe('patchbay promote: --label "2" is not a label: "2" reads as version 2: a label cannot look like a version.');
    expect((await json(await runner.api('/api/pipelines/qa/labels'))).labels.production.version).toBe(3);

    const bad = await runCli(['promote', 'qa', '--label', 'production', '--version', '7', '--suite', 'suite.json', '--data', dir], dir, cleanEnv());
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^patchbay promote: pipeline "qa" has no version 7/);
    // Not read as JavaScript reads numbers: 0x2 is not version 2, and a number past 2^53 is not rounded to another.
    for (const version of ['0x2', '2e0', '99999999999999999999']) {
      const loose = await runCli(['promote', 'qa', '--label', 'production', '--version', version, '--suite', 'suite.json', '--data', dir], dir, cleanEnv());
      expect(loose.code, version).toBe(2);
      expect(loose.stderr.trim(), version).toBe(`patchbay promote: --version must be a version number (1, 2, …), got "${version}"`);
    }
    // Left out, it is said to be required (as --label and --suite are), not quoted as "".
    const noVersion = await runCli(['promote', 'qa', '--label', 'production', '--suite', 'suite.json', '--data', dir], dir, cleanEnv());
    expect(noVersion.code).toBe(2);
    expect(noVersion.stderr).toBe('patchbay promote: --version N is required\n');
    expect((await json(await runner.api('/api/pipelines/qa/labels'))).labels.production.version).toBe(3);

    // The version production holds: nothing to evaluate or move, and nothing wrong either.
    const history = (await json(await runner.api('/api/pipelines/qa/deployments'))).deployments;
    const held = await runCli(['promote', 'qa', '--label', 'production', '--version', '3', '--suite', 'suite.json', '--data', dir], dir, cleanEnv());
    expect(held.code).toBe(0);
    expect(held.stdout).toBe('production already holds v3\n');
    expect(held.stderr).toBe('');
    const heldJson = await runCli(['promote', 'qa', '--label', 'production', '--version', '3', '--suite', 'suite.json', '--data', dir, '--json'], dir, cleanEnv());
    expect(heldJson.code).toBe(0);
    expect(JSON.parse(heldJson.stdout)).toMatchObject({ status: 'unchanged', moved: false, from: 3, to: 3, note: 'production already holds v3' });
    expect((await json(await runner.api('/api/pipelines/qa/deployments'))).deployments).toEqual(history);
  }, 120_000);

  it('stops on SIGTERM (a CI job\'s timeout) or Ctrl-C as patchbay eval does: its evals recorded cancelled, not left running, the label unmoved, exit 143 / 130', async () => {
    const stub = await startOpenAIStub({ handler: () => ({ hang: 'before-response' }) });
    try {
      const doc = echoPipeline('held', 'stub:model');
      expect((await runner.post('/api/pipelines', doc)).status).toBe(201);
      expect((await runner.post('/api/pipelines/held/versions', { document: { ...doc, description: 'two' }, message: 'two', baseVersion: 1 })).status).toBe(201);
      expect((await runner.put('/api/pipelines/held/labels/canary', { version: 1 })).status).toBe(200);
      const dir = runner.dataDir;
      writeFileSync(path.join(dir, 'held-cases.jsonl'), CASES.map((c) => JSON.stringify(c)).join('\n') + '\n');
      writeFileSync(path.join(dir, 'held-suite.json'), JSON.stringify({ format: 'patchbay.eval/v1', name: 'held-suite', dataset: 'held-cases.jsonl', scorers: SUITE.scorers }));
      for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
        let evalId = '';
        const out = await startCli(['promote', 'held', '--label', 'canary', '--version', '2', '--suite', 'held-suite.json', '--data', dir], {
          cwd: dir,
          env: cleanEnv({ STUB_BASE_URL: stub.url }),
          onStderr: (soFar, child) => {
            const started = soFar.match(/v2: evaluating \(eval ([0-9a-f-]+)\)/);
            if (started && !evalId) {
              evalId = started[1];
              child.kill(signal);
            }
          },
        });
        expect(out.code, signal).toBe(code);
        expect(out.stderr.trim().split('\n').at(-1), signal).toBe(`patchbay promote: cancelled (${signal}); canary stays at v1`);
        expect((await json(await runner.api(`/api/evals/${evalId}`))).status, signal).toBe('cancelled');
      }
      expect((await json(await runner.api('/api/pipelines/held/labels'))).labels.canary.version).toBe(1);
    } finally {
      await stub.close();
    }
  });

  it('exits 2 with one line naming the version the label holds when the suite cannot score it, before any eval; --force moves it, recorded as forced', async () => {
    const dir = runner.dataDir;
    writeFileSync(path.join(dir, 'cases.jsonl'), CASES.map((c) => JSON.stringify(c)).join('\n') + '\n');
    const scorers = [...SUITE.scorers, { name: 'shouts', type: 'contains', target: 'node:shout.text' }];
    writeFileSync(path.join(dir, 'grows-suite.json'), JSON.stringify({ format: 'patchbay.eval/v1', name: 'grows-suite', dataset: 'cases.jsonl', scorers }));
    // the HTTP test before forced canary onto v2: back to the version the suite cannot score
    expect((await runner.put('/api/pipelines/grows/labels/canary', { version: 1 })).status).toBe(200);
    const out = await runCli(['promote', 'grows', '--label', 'canary', '--version', '2', '--suite', 'grows-suite.json', '--data', dir], dir, cleanEnv());
    expect(out.code).toBe(2);
    expect(out.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^patchbay promote: v1, which canary holds, cannot be evaluated on this suite: scorer "shouts": target node:shout\.text: no node "shout" in pipeline "grows"; a promotion evaluates both versions on one suite, so give one that fits both, or move canary anyway with force \(patchbay promote --force\)/)]);
    expect((await json(await runner.api('/api/pipelines/grows/labels'))).labels.canary.version).toBe(1);

    const forced = await runCli(['promote', 'grows', '--label', 'canary', '--version', '2', '--suite', 'grows-suite.json', '--data', dir, '--force'], dir, cleanEnv());
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toBe('gate SKIP  fail-on regression: v1, which canary holds, cannot be evaluated on this suite\n\ncanary: v1 → v2 (forced, compared with nothing)\n');
    const [latest] = (await json(await runner.api('/api/pipelines/grows/deployments'))).deployments;
    expect(latest).toMatchObject({ label: 'canary', from: 1, to: 2, forced: true, note: 'promoted with --force: v1, which canary holds, cannot be evaluated on this suite' });
  });

  it('moves a label not set yet, saying why its comparing gates were skipped in the promotion\'s words', async () => {
    const dir = runner.dataDir;
    const first = await runCli(['promote', 'qa', '--label', 'canary', '--version', '3', '--suite', 'suite.json', '--data', dir], dir, cleanEnv());
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('gate SKIP  fail-on regression: canary is not set, so there is no version to compare v3 with\n\ncanary: (not set) → v3\n');
    expect((await json(await runner.api('/api/pipelines/qa/labels'))).labels.canary.version).toBe(3);
  }, 60_000);

  it('names every regressed case of a refusal, once, also past twenty', async () => {
    expect((await runner.post('/api/pipelines', echoPipeline('wide'))).status).toBe(201);
    const doc = echoPipeline('wide');
    doc.nodes[1].config.prompt = '{% if question %}nothing{% endif %}';
    expect((await runner.post('/api/pipelines/wide/versions', { document: doc, message: 'v2', baseVersion: 1 })).status).toBe(201);
    expect((await runner.put('/api/pipelines/wide/labels/production', { version: 1 })).status).toBe(200);
    const dir = runner.dataDir;
    const ids = Array.from({ length: 25 }, (_, i) => `w${i + 1}`);
    writeFileSync(path.join(dir, 'wide-cases.jsonl'), ids.map((id) => JSON.stringify({ id, input: { question: `city ${id}` }, expected: `city ${id}` })).join('\n') + '\n');
    writeFileSync(path.join(dir, 'wide-suite.json'), JSON.stringify({ format: 'patchbay.eval/v1', name: 'wide-suite', dataset: 'wide-cases.jsonl', scorers: SUITE.scorers }));
    const refused = await runCli(['promote', 'wide', '--label', 'production', '--version', '2', '--suite', 'wide-suite.json', '--data', dir], dir, cleanEnv());
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^gate FAIL  fail-on regression: 25 cases regressed \(listed above\)$/m);
    for (const id of ids) expect(refused.stdout.match(new RegExp(`(?<![\\w-])${id}(?![\\w-])`, 'g')), id).toHaveLength(1);
    // While each version is evaluated, stderr says how far it is (not a TTY: a line at each tenth, the last at the end).
    for (const version of [2, 1]) {
      const done = [...refused.stderr.matchAll(new RegExp(`^v${version}: (\\d+)/25 cases$`, 'gm'))].map((m) => Number(m[1]));
      expect(done.length, refused.stderr).toBeGreaterThanOrEqual(2);
      expect(done.length).toBeLessThanOrEqual(10);
      expect(done).toEqual([...done].sort((a, b) => a - b));
      expect(done.at(-1)).toBe(25);
    }
  }, 60_000);

  it('does not move a label to a version its eval ran on no case (the pipeline failed on every one), and runs that eval again next time', async () => {
    // "ask" searches the index "docs", which this data dir does not have yet: what promote --store without the server's --data meets.
    expect((await runner.post('/api/pipelines', askDocsPipeline)).status).toBe(201);
    const dir = runner.dataDir;
    writeFileSync(path.join(dir, 'ask-cases.jsonl'), JSON.stringify({ id: 'w1', input: { question: 'warranty' }, expected: 'two years' }) + '\n');
    writeFileSync(path.join(dir, 'ask-suite.json'), JSON.stringify({ format: 'patchbay.eval/v1', name: 'ask-suite', dataset: 'ask-cases.jsonl', scorers: [{ name: 'found', type: 'contains', target: 'docs' }] }));
    const args = ['promote', 'ask', '--label', 'canary', '--version', '1', '--suite', 'ask-suite.json', '--data', dir];

    const broken = await runCli(args, dir, cleanEnv());
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/promotion failed: the pipeline failed on every case of the eval of v1 \(1 of 1\), so it says nothing of v1: case "w1": node "search" failed: unknown index "docs"/);
    expect(broken.stdout).toMatch(/canary did not move/);
    expect(broken.stderr).toMatch(/looked for indexes in the data dir .*; pass --data DIR/);
    expect((await json(await runner.api('/api/pipelines/ask/labels'))).labels).toEqual({});
    // The store given apart (--store), the workspace a folder that is not there: it is looked in, not made, and the hint says so.
    const missing = path.join(dir, 'no-such-workspace');
    const elsewhere = await runCli(['promote', 'ask', '--label', 'canary', '--version', '1', '--suite', 'ask-suite.json', '--store', dir, '--data', missing], dir, cleanEnv());
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain(`patchbay promote: looked for indexes in the data dir ${missing}, which does not exist; pass --data DIR`);
    expect(existsSync(missing)).toBe(false);

    // Once the index is there, the failed eval is not reused as if it were v1's result: v1 is evaluated again and moves.
    writeFileSync(path.join(dir, 'warranty.md'), 'The warranty lasts two years.\n');
    expect((await runCli(['index', 'docs', 'warranty.md', '--data', dir], dir, cleanEnv())).code).toBe(0);
    const fixed = await runCli(args, dir, cleanEnv());
    expect(fixed.stderr).toMatch(/v1: evaluating/);
    expect(fixed.stdout).toMatch(/canary: \(not set\) → v1/);
    expect(fixed.code).toBe(0);
  }, 120_000);

  it('evaluates a version that calls another stored pipeline (a pipeline node by label) as the runner runs it, and again once the label it calls moves', async () => {
    expect((await runner.post('/api/pipelines', echoPipeline('kid'))).status).toBe(201);
    expect((await runner.put('/api/pipelines/kid/labels/production', { version: 1 })).status).toBe(200);
    const parent = pipelineDoc(
      'parent',
      [
        { id: 'x', type: 'input', config: { name: 'question', valueType: 'string' } },
        { id: 'p', type: 'pipeline', config: { ref: 'kid@production' } },
        { id: 'o', type: 'output', config: { name: 'answer' } },
      ],
      ['x.value -> p.question', 'p.answer -> o.value'],
    );
    expect((await runner.post('/api/pipelines', parent)).status).toBe(201);
    // Over HTTP: the runner's promotion evaluates it as POST /api/evals would.
    const res = await runner.post('/api/pipelines/parent/promotions', { label: 'staging', version: 1, suite: SUITE });
    expect(res.status).toBe(202);
    const { id } = await res.json();
    for await (const _ of sseEvents(await runner.api(`/api/promotions/${id}/events`)));
    const promotion = await json(await runner.api(`/api/promotions/${id}`));
    expect(promotion.error).toBeUndefined();
    expect(promotion).toMatchObject({ status: 'moved', from: null, to: 1 });
    const dir = runner.dataDir;
    writeFileSync(path.join(dir, 'parent-cases.jsonl'), CASES.map((c) => JSON.stringify(c)).join('\n') + '\n');
    writeFileSync(path.join(dir, 'parent-suite.json'), JSON.stringify({ format: 'patchbay.eval/v1', name: SUITE.name, dataset: 'parent-cases.jsonl', scorers: SUITE.scorers }));
    const promoteTo = (label: string) => runCli(['promote', 'parent', '--label', label, '--version', '1', '--suite', 'parent-suite.json', '--data', dir], dir, cleanEnv());
    const out = await promoteTo('production');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/production: \(not set\) → v1/);
    expect(out.stderr).toMatch(/v1: reusing stored eval/);
    // kid@production moved to a version that answers otherwise: parent v1 behaves otherwise, its eval is not reused.
    const kid2 = echoPipeline('kid');
    kid2.nodes[1].config.prompt = '{% if question %}nothing{% endif %}';
    expect((await runner.post('/api/pipelines/kid/versions', { document: kid2, message: 'v2', baseVersion: 1 })).status).toBe(201);
    expect((await runner.put('/api/pipelines/kid/labels/production', { version: 2 })).status).toBe(200);
    const after = await promoteTo('canary');
    expect(after.stderr).toMatch(/v1: evaluating/);
    expect(after.code, after.stderr).toBe(0);
  }, 60_000);

  it('reuses a stored eval only while the workspace it ran with holds: another config or re-indexed content is evaluated again', async () => {
    const kb = pipelineDoc(
      'kb',
      [
        { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
        { id: 'search', type: 'retrieve', config: { index: 'kb-docs', topK: 1, mode: 'keyword' } },
        { id: 'out', type: 'output', config: { name: 'docs' } },
      ],
      ['q.value -> search.query', 'search.documents -> out.value'],
    );
    expect((await runner.post('/api/pipelines', kb)).status).toBe(201);
    const dir = runner.dataDir;
    writeFileSync(path.join(dir, 'kb-cases.jsonl'), JSON.stringify({ id: 'k1', input: { question: 'returns' }, expected: 'thirty days' }) + '\n');
    writeFileSync(path.join(dir, 'kb-suite.json'), JSON.stringify({ format: 'patchbay.eval/v1', name: 'kb-suite', dataset: 'kb-cases.jsonl', scorers: [{ name: 'found', type: 'contains', target: 'docs' }] }));
    writeFileSync(path.join(dir, 'returns.md'), 'Returns are accepted for thirty days.\n');
    writeFileSync(path.join(dir, 'other.json'), JSON.stringify({ prices: { 'openai:some-model': { input: 1, output: 2 } } }));
    expect((await runCli(['index', 'kb-docs', 'returns.md', '--data', dir], dir, cleanEnv())).code).toBe(0);
    // Each promotion moves a label not set yet, so only v1 is evaluated (or reused).
    const promoteTo = async (label: string, ...extra: string[]) => {
      const out = await runCli(['promote', 'kb', '--label', label, '--version', '1', '--suite', 'kb-suite.json', '--data', dir, ...extra], dir, cleanEnv());
      expect(out.code, out.stderr).toBe(0);
      return out.stderr;
    };
    expect(await promoteTo('stage-a')).toMatch(/v1: evaluating/);
    expect(await promoteTo('stage-b')).toMatch(/v1: reusing stored eval/);
    // The index re-indexed with more content: the eval of v1 said nothing of what it finds now.
    writeFileSync(path.join(dir, 'shipping.md'), 'Shipping takes three days.\n');
    expect((await runCli(['index', 'kb-docs', 'shipping.md', '--data', dir], dir, cleanEnv())).code).toBe(0);
    expect(await promoteTo('stage-c')).toMatch(/v1: evaluating/);
    expect(await promoteTo('stage-d')).toMatch(/v1: reusing stored eval/);
    // Another workspace config (its models, providers, tools, prices): evaluated again, then reused under it.
    expect(await promoteTo('stage-e', '--config', path.join(dir, 'other.json'))).toMatch(/v1: evaluating/);
    expect(await promoteTo('stage-f', '--config', path.join(dir, 'other.json'))).toMatch(/v1: reusing stored eval/);
  }, 120_000);

  it('evaluates again a version whose called pipeline reads an index that was re-indexed (the index only the called one reads)', async () => {
    const shelf = pipelineDoc(
      'shelf',
      [
        { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
        { id: 'search', type: 'retrieve', config: { index: 'shelf-docs', topK: 1, mode: 'keyword' } },
        { id: 'out', type: 'output', config: { name: 'docs' } },
      ],
      ['q.value -> search.query', 'search.documents -> out.value'],
    );
    const desk = pipelineDoc(
      'desk',
      [
        { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
        { id: 'p', type: 'pipeline', config: { ref: 'shelf@v1' } },
        { id: 'out', type: 'output', config: { name: 'docs' } },
      ],
      ['q.value -> p.question', 'p.docs -> out.value'],
    );
    expect((await runner.post('/api/pipelines', shelf)).status).toBe(201);
    expect((await runner.post('/api/pipelines', desk)).status).toBe(201);
    const dir = runner.dataDir;
    writeFileSync(path.join(dir, 'desk-cases.jsonl'), JSON.stringify({ id: 'd1', input: { question: 'returns' }, expected: 'thirty days' }) + '\n');
    writeFileSync(path.join(dir, 'desk-suite.json'), JSON.stringify({ format: 'patchbay.eval/v1', name: 'desk-suite', dataset: 'desk-cases.jsonl', scorers: [{ name: 'found', type: 'contains', target: 'docs' }] }));
    writeFileSync(path.join(dir, 'desk-returns.md'), 'Returns are accepted for thirty days.\n');
    expect((await runCli(['index', 'shelf-docs', 'desk-returns.md', '--data', dir], dir, cleanEnv())).code).toBe(0);
    const promoteTo = async (label: string) => {
      const out = await runCli(['promote', 'desk', '--label', label, '--version', '1', '--suite', 'desk-suite.json', '--data', dir], dir, cleanEnv());
      expect(out.code, out.stderr).toBe(0);
      return out.stderr;
    };
    expect(await promoteTo('stage-a')).toMatch(/v1: evaluating/);
    expect(await promoteTo('stage-b')).toMatch(/v1: reusing stored eval/);
    // shelf-docs (read by shelf, which desk calls; desk itself has no retrieve node) re-indexed with more content.
    writeFileSync(path.join(dir, 'desk-shipping.md'), 'Shipping takes three days.\n');
    expect((await runCli(['index', 'shelf-docs', 'desk-shipping.md', '--data', dir], dir, cleanEnv())).code).toBe(0);
    expect(await promoteTo('stage-c')).toMatch(/v1: evaluating/);
    expect(await promoteTo('stage-d')).toMatch(/v1: reusing stored eval/);
  }, 120_000);
});
