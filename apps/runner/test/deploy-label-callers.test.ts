import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from './cli-child';
import { echoPipeline, sseEvents, startTestRunner, type TestRunner } from './support/test-runner';

// A label another pipeline's labelled version calls (`pipeline` node `ref: "NAME@LABEL"`) is part of that version:
// moving or removing it must not leave the caller's label on a version that can no longer run.
let runner: TestRunner;
const json = async (res: Response) => ({ status: res.status, body: await res.json() });

/** input → pipeline node calling `ref` with `question` → output. */
function caller(name: string, ref: string) {
  return {
    format: 'patchbay.pipeline/v1',
    name,
    nodes: [
      { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
      { id: 'call', type: 'pipeline', config: { ref } },
      { id: 'out', type: 'output', config: { name: 'answer' } },
    ],
    edges: [
      { from: 'q.value', to: 'call.question' },
      { from: 'call.answer', to: 'out.value' },
    ],
  };
}

/** The echo pipeline with its input renamed: a caller wiring `question` cannot run with it. */
function renamedInput(name: string) {
  const doc = echoPipeline(name);
  doc.nodes[0].config.name = 'query';
  doc.edges[0] = { from: 'q.value', to: 'answer.query' };
  doc.nodes[1].config.prompt = '{{ query }}';
  return doc;
}

const history = async (name: string) => (await json(await runner.api(`/api/pipelines/${name}/deployments`))).body.deployments;

beforeAll(async () => {
  runner = await startTestRunner();
  await runner.deploy(echoPipeline('child'));
  expect((await runner.post('/api/pipelines/child/versions', { document: renamedInput('child'), message: 'renamed', baseVersion: 1 })).status).toBe(201);
  await runner.deploy(caller('parent', 'child@production'));
});
afterAll(() => runner.close());

describe("a label that another pipeline's labelled version calls", () => {
  it('is not moved to a version that version cannot run with (409 naming it), and is with force, recorded as forced', async () => {
    const refused = await json(await runner.put('/api/pipelines/child/labels/production', { version: 2, note: 'rename' }));
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe('urn:patchbay:problem:label-has-callers');
    expect(refused.body.detail).toBe(
      'moving production of "child" to v2 would stop parent@production (v1) from running: edge q.value → call.question: node "call" (pipeline) has no input "question"; its inputs: query; ' +
        'move parent@production first (to a version that does not need it), or give "force": true ($.version)',
    );
    expect(refused.body.callers).toEqual([{ pipeline: 'parent', label: 'production', version: 1, problem: expect.stringContaining('has no input "question"') }]);
    expect(refused.body.detail.split('\n')).toHaveLength(1);
    // Nothing moved: the parent is still served.
    expect((await json(await runner.api('/api/pipelines/child/labels'))).body.labels.production.version).toBe(1);
    expect(await history('child')).toHaveLength(1);
    expect((await json(await runner.post('/api/pipelines/parent/run', { inputs: { question: 'hi' } }))).body).toMatchObject({ status: 'succeeded', outputs: { answer: 'hi' } });

    const forced = await json(await runner.put('/api/pipelines/child/labels/production', { version: 2, note: 'rename', force: true }));
    expect(forced).toMatchObject({ status: 200, body: { version: 2, from: 1 } });
    // The history says what the force went past: the caller it stopped.
    expect((await history('child'))[0]).toMatchObject({ from: 1, to: 2, note: 'rename; forced past a caller it stops: parent@production (v1)', forced: true });
    expect((await json(await runner.put('/api/pipelines/child/labels/production', { version: 1 }))).body).toMatchObject({ version: 1, from: 2 });
    expect((await history('child'))[0]).toMatchObject({ from: 2, to: 1, forced: false });
  });

  it('is not removed while that version calls it (409), and is with ?force=true', async () => {
    const refused = await json(await runner.api('/api/pipelines/child/labels/production', { method: 'DELETE' }));
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/^removing production of "child" would stop parent@production \(v1\) from running: node "call": .*pipeline "child" has no label "production".*; move parent@production first/);
    expect((await json(await runner.api('/api/pipelines/child/labels'))).body.labels.production.version).toBe(1);

    // A label no labelled version calls is moved and removed as before.
    // force on a move that stops no caller records nothing forced.
    expect((await runner.put('/api/pipelines/child/labels/staging', { version: 2, force: true })).status).toBe(200);
    expect((await history('child'))[0]).toMatchObject({ label: 'staging', to: 2, forced: false });
    expect((await runner.api('/api/pipelines/child/labels/staging', { method: 'DELETE' })).status).toBe(204);
    expect((await runner.api('/api/pipelines/child/labels/production?force=true', { method: 'DELETE' })).status).toBe(204);
    expect((await history('child'))[0]).toMatchObject({ from: 1, to: null });
    expect((await runner.put('/api/pipelines/child/labels/production', { version: 1 })).status).toBe(200);
  });

  it('finds a caller two levels up, and does not hold back a move for a caller that could not run before it', async () => {
    await runner.deploy(caller('grand', 'parent@production'));
    // The move breaks parent v1, which grand@production runs inside: both are named.
    const refused = await json(await runner.put('/api/pipelines/child/labels/production', { version: 2 }));
    expect(refused.status).toBe(409);
    expect(refused.body.callers.map((c: { pipeline: string }) => c.pipeline).sort()).toEqual(['grand', 'parent']);

    // A caller already broken (its child's label gone) is no reason to refuse a move.
    await runner.deploy(echoPipeline('other'));
    await runner.deploy(caller('broken', 'other@production'));
    expect((await runner.api('/api/pipelines/other/labels/production?force=true', { method: 'DELETE' })).status).toBe(204);
    expect((await runner.put('/api/pipelines/other/labels/staging', { version: 1 })).status).toBe(200);
    expect((await runner.put('/api/pipelines/other/labels/production', { version: 1 })).status).toBe(200);
  });
});

describe('a version that calls a stored pipeline, labelled', () => {
  it('is judged as its references resolve now, not as they did when it was saved', async () => {
    // Saved before the label it calls was set: stored with a problem that no longer holds.
    const early = await json(await runner.post('/api/pipelines', caller('early', 'late@production')));
    expect(early.body.problems[0].message).toMatch(/pipeline "late" has no label "production"/);
    await runner.deploy(echoPipeline('late'));
    expect((await json(await runner.put('/api/pipelines/early/labels/production', { version: 1 }))).body).toMatchObject({ version: 1, from: null });
    expect((await json(await runner.post('/api/pipelines/early/run', { inputs: { question: 'hi' } }))).body).toMatchObject({ status: 'succeeded' });
    expect((await json(await runner.post('/api/runs?stream=false', { pipeline: 'early', version: 1, inputs: { question: 'hi' } }))).status).toBe(201);

    // Saved while the label it calls was set, which was then removed: stored with no problem, and cannot run.
    expect((await runner.api('/api/pipelines/late/labels/production?force=true', { method: 'DELETE' })).status).toBe(204);
    const refused = await json(await runner.put('/api/pipelines/early/labels/staging', { version: 1 }));
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toBe('version 1 of "early" has problems, so no label can point at it: $.nodes[1].config.ref: node "call": config.ref: pipeline "late" has no label "production" ($.version)');
  });
});

describe('a pipeline that a labelled version of another calls', () => {
  it('is not deleted while that version runs (409 naming it), and is with ?force=true', async () => {
    await runner.deploy(echoPipeline('helper'));
    // By number: deleting the pipeline takes every version, not only its labels.
    await runner.deploy(caller('pinned', 'helper@v1'));
    const refused = await json(await runner.api('/api/pipelines/helper', { method: 'DELETE' }));
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe('urn:patchbay:problem:label-has-callers');
    expect(refused.body.detail).toBe(
      'deleting "helper" would stop pinned@production (v1) from running: node "call": config.ref: there is no pipeline "helper"; ' +
        'move pinned@production first (to a version that does not need it), or give ?force=true',
    );
    expect((await runner.api('/api/pipelines/helper')).status).toBe(200);
    expect((await json(await runner.post('/api/pipelines/pinned/run', { inputs: { question: 'hi' } }))).body).toMatchObject({ status: 'succeeded' });

    expect((await runner.api('/api/pipelines/helper?force=true', { method: 'DELETE' })).status).toBe(204);
    expect((await runner.api('/api/pipelines/helper')).status).toBe(404);
    // A pipeline nothing labelled calls is deleted as before.
    expect((await runner.api('/api/pipelines/pinned', { method: 'DELETE' })).status).toBe(204);
  });
});

describe('a promotion of a label that a labelled version of another calls', () => {
  it('is refused before it starts when the candidate would stop that version from running, and moves with force, recorded as forced', async () => {
    // v2 of "svc" answers under another output name: its own suite (scoring the model's text) fits both versions.
    await runner.deploy(echoPipeline('svc'));
    const renamed = echoPipeline('svc');
    renamed.nodes[2].config.name = 'reply';
    expect((await runner.post('/api/pipelines/svc/versions', { document: renamed, message: 'reply', baseVersion: 1 })).status).toBe(201);
    await runner.deploy(caller('front', 'svc@production'));
    expect((await runner.post('/api/datasets', { name: 'svc-cases', cases: [{ id: 'c1', input: { question: 'hi' }, expected: 'hi' }] })).status).toBe(201);
    const suite = { name: 'svc', dataset: 'svc-cases', scorers: [{ name: 'said', type: 'contains', target: 'node:answer.text' }] };

    for (const body of [{ label: 'production', version: 2, suite }, { label: 'production', version: 2, suite, dryRun: true }]) {
      const refused = await json(await runner.post('/api/pipelines/svc/promotions', body));
      expect(refused.status).toBe(409);
      expect(refused.body.type).toBe('urn:patchbay:problem:label-has-callers');
      expect(refused.body.detail).toMatch(/^moving production of "svc" to v2 would stop front@production \(v1\) from running: .*"answer".*\(\$\.version\)$/);
    }
    // patchbay promote: exit 2 in one line before any eval, naming its own flag.
    const dir = runner.dataDir;
    writeFileSync(path.join(dir, 'svc.jsonl'), JSON.stringify({ id: 'c1', input: { question: 'hi' }, expected: 'hi' }) + '\n');
    writeFileSync(path.join(dir, 'svc.json'), JSON.stringify({ format: 'patchbay.eval/v1', name: 'svc', dataset: 'svc.jsonl', scorers: suite.scorers }));
    const cli = await runCli(['promote', 'svc', '--label', 'production', '--version', '2', '--suite', 'svc.json', '--data', dir], dir, cleanEnv());
    expect(cli.code).toBe(2);
    expect(cli.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^patchbay promote: moving production of "svc" to v2 would stop front@production \(v1\) from running: .*; move front@production first \(to a version that does not need it\), or give --force$/)]);
    expect((await history('svc'))[0]).toMatchObject({ to: 1 });
    const started = await json(await runner.post('/api/pipelines/svc/promotions', { label: 'production', version: 2, suite, force: true }));
    expect(started.status).toBe(202);
    for await (const _ of sseEvents(await runner.api(`/api/promotions/${started.body.id}/events`)));
    expect((await json(await runner.api(`/api/promotions/${started.body.id}`))).body).toMatchObject({ status: 'moved', moved: true, forced: true });
    // Its gates passed, so only the caller made it forced: the note says so, not "gates passed" alone.
    expect((await history('svc'))[0]).toMatchObject({ from: 1, to: 2, forced: true, note: 'promoted: gates passed; forced past a caller it stops: front@production (v1)' });
  });
});
