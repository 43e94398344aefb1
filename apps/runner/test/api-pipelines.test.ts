import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { behaviorHash, contentHash } from '@patchbay/core';
import { cleanEnv, runCli, workspace } from './cli-child';
import { echoPipeline, startTestRunner, waitForRun, type TestRunner } from './support/test-runner';

let runner: TestRunner;
beforeAll(async () => {
  runner = await startTestRunner();
});
afterAll(() => runner.close());

/** A document that parses but has a problem: the llm's template variable has no edge into it. */
function withProblem(name: string) {
  const doc = echoPipeline(name);
  return { ...doc, edges: doc.edges.filter((e) => e.to !== 'answer.question') };
}

describe('pipelines', () => {
  it('creates version 1 from a document and refuses a second pipeline of the same name', async () => {
    const doc = echoPipeline('create-me');
    const res = await runner.post('/api/pipelines', doc);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/api/pipelines/create-me/versions/1');
    const saved = await res.json();
    expect(saved).toMatchObject({ pipeline: 'create-me', number: 1, parent: null, problems: [] });
    expect(saved.contentHash).toBe(contentHash(doc));
    expect(saved.behaviorHash).toBe(behaviorHash(doc));

    const again = await runner.post('/api/pipelines', doc);
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
    expect(await again.json()).toMatchObject({ status: 409, latest: 1 });
  });

  it('lists pipelines and returns the latest version with its document and problems', async () => {
    await runner.post('/api/pipelines', echoPipeline('listed'));
    const list = await (await runner.api('/api/pipelines')).json();
    expect(list.map((p: any) => p.name)).toContain('listed');
    expect(list.find((p: any) => p.name === 'listed')).toMatchObject({ latestVersion: 1 });

    const latest = await (await runner.api('/api/pipelines/listed')).json();
    expect(latest).toMatchObject({ pipeline: 'listed', number: 1, problems: [] });
    expect(latest.document.nodes.map((n: any) => n.id)).toEqual(['q', 'answer', 'out']);

    expect((await runner.api('/api/pipelines/not-there')).status).toBe(404);
  });

  it('deletes a pipeline with its versions', async () => {
    await runner.post('/api/pipelines', echoPipeline('doomed'));
    const del = await runner.api('/api/pipelines/doomed', { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await runner.api('/api/pipelines/doomed')).status).toBe(404);
    expect((await runner.api('/api/pipelines/doomed/versions/1')).status).toBe(404);
    expect((await runner.api('/api/pipelines/doomed', { method: 'DELETE' })).status).toBe(404);
  });

  it('saves a document with problems, with them, and refuses to run it with 422', async () => {
    const res = await runner.post('/api/pipelines', withProblem('wip'));
    expect(res.status).toBe(201);
    const saved = await res.json();
    expect(saved.problems.map((p: any) => p.code)).toContain('unconnected-template-variable');

    const latest = await (await runner.api('/api/pipelines/wip')).json();
    expect(latest.problems).toEqual(saved.problems);

    const run = await runner.post('/api/runs', { pipeline: 'wip', inputs: { question: 'hi' } });
    expect(run.status).toBe(422);
    const problem = await run.json();
    expect(problem.type).toBe('urn:patchbay:problem:pipeline-invalid');
    expect(problem.problems).toEqual(saved.problems);
  });

  it('saves a pipeline with no nodes with its problem, and refuses to run or label it (so serve it) with 422 saying why', async () => {
    const saved = await runner.post('/api/pipelines', { format: 'patchbay.pipeline/v1', name: 'blank', nodes: [], edges: [] });
    expect(saved.status).toBe(201);
    const empty = { path: '$.nodes', code: 'empty-pipeline', message: 'the pipeline has no nodes: add an input and an output to begin' };
    expect((await saved.json()).problems).toEqual([empty]);
    const ran = await runner.post('/api/runs', { pipeline: 'blank', inputs: {} });
    expect(ran.status).toBe(422);
    expect((await ran.json()).detail).toBe('version 1 of "blank" cannot run: $.nodes: the pipeline has no nodes: add an input and an output to begin');
    const inline = await runner.post('/api/runs', { document: { format: 'patchbay.pipeline/v1', name: 'blank', nodes: [] }, inputs: {} });
    expect(inline.status).toBe(422);
    expect((await inline.json()).problems).toEqual([{ ...empty, path: '$.document.nodes' }]);
    // Nor can a label point at it, so nothing serves it.
    const labelled = await runner.put('/api/pipelines/blank/labels/production', { version: 1 });
    expect(labelled.status).toBe(422);
    expect(JSON.stringify(await labelled.json())).toContain('the pipeline has no nodes');
  });

  it('refuses a body that is not a pipeline document with 400 and the paths of what is wrong', async () => {
    const res = await runner.post('/api/pipelines', { format: 'something-else', name: 'x', nodes: [] });
    expect(res.status).toBe(400);
    const problem = await res.json();
    expect(problem.errors[0].path).toBe('$.format');

    const versions = await runner.post('/api/pipelines/listed/versions', { document: { nodes: 'no' }, message: '', baseVersion: 1 });
    expect(versions.status).toBe(400);
    expect((await versions.json()).errors.map((e: any) => e.path)).toContain('$.document.format');
  });

  it('refuses a node id that cannot work (too long, empty, a path, a control character, a space) at its JSON path, in one line, when saving and when running inline', async () => {
    const withId = (name: string, id: string) => {
      const doc = echoPipeline(name);
      return { ...doc, nodes: doc.nodes.map((n) => (n.id === 'answer' ? { ...n, id } : n)), edges: doc.edges.map((e) => ({ from: e.from.replace(/^answer\./, `${id}.`), to: e.to.replace(/^answer\./, `${id}.`) })) };
    };
    const cases: [string, string][] = [
      ['x'.repeat(10_000), `node "${'x'.repeat(60)}…": id must be at most 100 characters long`],
      ['', 'nodes[1].id: a node id starts with a letter and has only letters, digits, "_" and "-"'],
      ['a/b', 'node "a/b": id: a node id starts with a letter and has only letters, digits, "_" and "-"'],
      ['..', 'node "..": id: a node id starts with a letter and has only letters, digits, "_" and "-"'],
      // a line break in an id is named escaped: the message stays one line
      ['a\nb', 'node "a\\nb": id: a node id starts with a letter and has only letters, digits, "_" and "-"'],
      ['a b', 'node "a b": id: a node id starts with a letter and has only letters, digits, "_" and "-"'],
    ];
    for (const [id, message] of cases) {
      const saved = await runner.post('/api/pipelines', withId('bad-id', id));
      expect(saved.status, id.slice(0, 10)).toBe(400);
      const problem = await saved.json();
      expect(problem.errors[0]).toEqual({ path: '$.nodes[1].id', message });
      expect(problem.detail).toBe(`not a pipeline document: $.nodes[1].id: ${message}`);
      const ran = await runner.post('/api/runs', { document: withId('bad-id', id), inputs: { question: 'q' } });
      expect(ran.status, id.slice(0, 10)).toBe(400);
      expect((await ran.json()).errors[0].path).toBe('$.document.nodes[1].id');
    }
    expect((await runner.api('/api/pipelines/bad-id')).status).toBe(404);
    // 100 characters is still an id.
    expect((await runner.post('/api/pipelines', withId('long-id', 'a'.repeat(100)))).status).toBe(201);
  });

  it('refuses an edge naming a port of over 100 characters at its JSON path, in one line, when saving, when running inline and in patchbay validate', async () => {
    const doc = echoPipeline('long-port');
    const port = 'p'.repeat(5_000);
    doc.edges[0] = { ...doc.edges[0], to: `answer.${port}` };
    const message = 'edges[0].to: a port name is at most 100 characters (this one has 5000)';
    const saved = await runner.post('/api/pipelines', doc);
    expect(saved.status).toBe(400);
    const problem = await saved.json();
    expect(problem.errors).toEqual([{ path: '$.edges[0].to', message }]);
    expect(problem.detail).toBe(`not a pipeline document: $.edges[0].to: ${message}`);
    const ran = await runner.post('/api/runs', { document: doc, inputs: { question: 'q' } });
    expect(ran.status).toBe(400);
    expect((await ran.json()).errors[0]).toEqual({ path: '$.document.edges[0].to', message });
    expect((await runner.api('/api/pipelines/long-port')).status).toBe(404);

    const files = workspace({ 'long-port.json': doc });
    try {
      const checked = await runCli(['validate', 'long-port.json'], files.dir, cleanEnv());
      expect(checked.code).toBe(1);
      expect(checked.stdout.split('\n')[0]).toBe(`$.edges[0].to: ${message}`);
      expect(checked.stdout).not.toContain('p'.repeat(101));
    } finally {
      files.remove();
    }
  }, 30_000);

  it('refuses a node key that is a slip for the node\'s own (timeoutMS) or a config key beside config, at its path, when saving, running inline and in patchbay validate; ignores others', async () => {
    const doc = echoPipeline('slips') as any;
    doc.nodes[1] = { ...doc.nodes[1], timeoutMS: 5000 };
    const message = 'node "answer": timeoutMS: unknown key; did you mean "timeoutMs"? (a node has: id, type, label, position, config, timeoutMs, retries)';
    const saved = await runner.post('/api/pipelines', doc);
    expect(saved.status).toBe(400);
    expect((await saved.json()).errors).toEqual([{ path: '$.nodes[1].timeoutMS', message }]);
    const ran = await runner.post('/api/runs', { document: doc, inputs: { question: 'q' } });
    expect(ran.status).toBe(400);
    expect((await ran.json()).errors[0]).toEqual({ path: '$.document.nodes[1].timeoutMS', message });
    expect((await runner.api('/api/pipelines/slips')).status).toBe(404);

    const beside = echoPipeline('slips') as any;
    beside.nodes[1] = { ...beside.nodes[1], model: 'offline:echo' };
    const besideSaved = await runner.post('/api/pipelines', beside);
    expect(besideSaved.status).toBe(400);
    expect((await besideSaved.json()).errors[0].message).toContain('model: unknown key; model goes in config');

    const files = workspace({ 'slips.json': doc });
    try {
      const checked = await runCli(['validate', 'slips.json'], files.dir, cleanEnv());
      expect(checked.code).not.toBe(0);
      expect(checked.stdout + checked.stderr).toContain(`$.nodes[1].timeoutMS: ${message}`);
    } finally {
      files.remove();
    }

    // Anything else on a node (an editor draft's pin, a note) is no setting of it: saved without it.
    const noted = echoPipeline('slips') as any;
    noted.nodes[1] = { ...noted.nodes[1], pinned: { text: 'PINNED' }, note: 'ask Ada' };
    expect((await runner.post('/api/pipelines', noted)).status).toBe(201);
    const stored = (await (await runner.api('/api/pipelines/slips')).json()).document.nodes[1];
    expect(stored.note).toBeUndefined();
    expect(stored.pinned).toBeUndefined();
  }, 30_000);

  it('refuses a key of the document that is a slip or a look-alike of its own (descripton, ｎａｍｅ), 400 at its path; $schema is taken', async () => {
    const slipped = await runner.post('/api/pipelines', { ...echoPipeline('doc-slips'), descripton: 'answers from the docs' });
    expect(slipped.status).toBe(400);
    const problem = await slipped.json();
    expect(problem.type).toMatch(/not-a-pipeline$/);
    expect(problem.errors).toEqual([{ path: '$.descripton', message: 'descripton: unknown key; did you mean "description"? (a pipeline document has: format, name, title, description, nodes, edges)' }]);
    const wide = await runner.post('/api/runs', { document: { ...echoPipeline('doc-slips'), 'ｎａｍｅ': 'other' }, inputs: { question: 'q' } });
    expect(wide.status).toBe(400);
    expect((await wide.json()).errors[0].path).toBe('$.document["ｎａｍｅ"]');
    expect((await runner.api('/api/pipelines/doc-slips')).status).toBe(404);
    expect((await runner.post('/api/pipelines', { $schema: './pipeline.schema.json', ...echoPipeline('doc-slips') })).status).toBe(201);
  });

  it('keeps ids that differ only by case apart, in the run and its trace', async () => {
    const doc = echoPipeline('cased');
    doc.nodes.push({ id: 'Answer', type: 'llm', config: { model: 'offline:echo', prompt: 'loud {{ question }}' } }, { id: 'Out', type: 'output', config: { name: 'loud' } });
    doc.edges.push({ from: 'q.value', to: 'Answer.question' }, { from: 'Answer.text', to: 'Out.value' });
    expect((await runner.post('/api/pipelines', doc)).status).toBe(201);
    const { id } = await (await runner.post('/api/runs', { pipeline: 'cased', inputs: { question: 'hi' } })).json();
    const run = await waitForRun(runner, id);
    expect(run.outputs).toEqual({ answer: 'hi', loud: 'loud hi' });
    expect(Object.keys(run.nodes).sort()).toEqual(['Answer', 'Out', 'answer', 'out', 'q']);
  });

  it('says so when the body is a saved version (what GET answers) instead of its document', async () => {
    await runner.post('/api/pipelines', echoPipeline('exported'));
    const saved = await (await runner.api('/api/pipelines/exported')).json();
    const res = await runner.post('/api/pipelines', { ...saved, document: { ...saved.document, name: 'imported' } });
    expect(res.status).toBe(400);
    expect((await res.json()).detail).toBe(
      'not a pipeline document: $.format: format must be "patchbay.pipeline/v1" (it is missing; this is a saved version, as GET /api/pipelines/NAME answers: its "document" is the pipeline)',
    );
  });
});

describe('versions', () => {
  it('saves on the latest base, refuses a stale base with 409 and the latest number', async () => {
    await runner.post('/api/pipelines', echoPipeline('evolving'));
    const v2doc = { ...echoPipeline('evolving'), title: 'second' };
    const v2 = await runner.post('/api/pipelines/evolving/versions', { document: v2doc, message: 'retitle', baseVersion: 1 });
    expect(v2.status).toBe(201);
    expect(await v2.json()).toMatchObject({ number: 2, parent: 1, message: 'retitle', problems: [] });

    const stale = await runner.post('/api/pipelines/evolving/versions', { document: echoPipeline('evolving'), message: 'lost?', baseVersion: 1 });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ type: 'urn:patchbay:problem:version-conflict', latest: 2 });

    const list = await (await runner.api('/api/pipelines/evolving/versions')).json();
    expect(list.map((v: any) => v.number)).toEqual([2, 1]);
    expect(list[0]).not.toHaveProperty('document');

    const one = await (await runner.api('/api/pipelines/evolving/versions/1')).json();
    expect(one.document.title).toBeUndefined();
    const nine = await runner.api('/api/pipelines/evolving/versions/9');
    expect(nine.status).toBe(404);
    expect((await nine.json()).detail).toBe('pipeline "evolving" has no version 9 (latest is 2)');
    expect((await runner.api('/api/pipelines/evolving/versions/abc')).status).toBe(400);
  });

  it('gives layout-only changes the same behaviorHash and a different contentHash', async () => {
    await runner.post('/api/pipelines', echoPipeline('moved'));
    const moved = echoPipeline('moved');
    moved.nodes[0].position = { x: 400, y: 300 };
    const v2 = await (await runner.post('/api/pipelines/moved/versions', { document: moved, message: 'move', baseVersion: 1 })).json();
    const v1 = await (await runner.api('/api/pipelines/moved/versions/1')).json();
    expect(v2.behaviorHash).toBe(v1.behaviorHash);
    expect(v2.contentHash).not.toBe(v1.contentHash);
  });

  it('refuses a document whose name is not the pipeline name', async () => {
    await runner.post('/api/pipelines', echoPipeline('named'));
    const res = await runner.post('/api/pipelines/named/versions', { document: echoPipeline('other'), message: '', baseVersion: 1 });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ path: '$.document.name' }] });
  });

  it('needs baseVersion, and answers 404 for a base on a pipeline that does not exist', async () => {
    const missing = await runner.post('/api/pipelines/fresh/versions', { document: echoPipeline('fresh'), message: '' });
    expect(missing.status).toBe(400);
    expect((await missing.json()).errors[0].path).toBe('$.baseVersion');

    const noPipeline = await runner.post('/api/pipelines/fresh/versions', { document: echoPipeline('fresh'), message: '', baseVersion: 3 });
    expect(noPipeline.status).toBe(404);

    const created = await runner.post('/api/pipelines/fresh/versions', { document: echoPipeline('fresh'), message: 'first', baseVersion: null });
    expect(created.status).toBe(201);
    expect((await created.json()).number).toBe(1);
  });

  it('refuses a save body with a field it does not know (a misspelt message would be saved as none), naming it, and saves nothing', async () => {
    await runner.post('/api/pipelines', echoPipeline('typo'));
    const res = await runner.post('/api/pipelines/typo/versions', { document: echoPipeline('typo'), mesage: 'why this version', baseVersion: 1 });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.detail).toBe('invalid request body: $ has an unknown field "mesage"');
    expect(body.errors).toEqual([{ path: '$', message: 'has an unknown field "mesage"' }]);
    expect((await (await runner.api('/api/pipelines/typo')).json()).number).toBe(1);
  });

  it('diffs two versions: a changed config field, an added node; a move is no change', async () => {
    const v1 = echoPipeline('differ');
    await runner.post('/api/pipelines', v1);
    const v2 = echoPipeline('differ');
    v2.nodes[0].position = { x: 999, y: 1 };
    (v2.nodes[1].config as any).prompt = 'Say: {{ question }}';
    v2.nodes.push({ id: 'extra', type: 'output', config: { name: 'copy' } } as any);
    v2.edges.push({ from: 'answer.text', to: 'extra.value' });
    await runner.post('/api/pipelines/differ/versions', { document: v2, message: 'edit', baseVersion: 1 });

    const res = await runner.api('/api/pipelines/differ/diff?from=1&to=2');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ pipeline: 'differ', from: 1, to: 2 });
    const text = JSON.stringify(body.diff);
    expect(text).toContain('extra');
    expect(text).toContain('prompt');
    expect(text).not.toContain('position');

    const defaults = await (await runner.api('/api/pipelines/differ/diff')).json();
    expect(defaults).toMatchObject({ from: 1, to: 2 });
    expect((await runner.api('/api/pipelines/differ/diff?from=1&to=7')).status).toBe(404);
  });

  it('names the version a diff is missing as asked for and the query parameter that asked (not the default from worked out of it)', async () => {
    await runner.post('/api/pipelines', echoPipeline('missing-diff'));
    const problem = async (query: string) => {
      const res = await runner.api(`/api/pipelines/missing-diff/diff?${query}`);
      expect(res.status, query).toBe(404);
      const body = await res.json();
      return { detail: body.detail, errors: body.errors };
    };
    expect(await problem('to=9')).toEqual({
      detail: 'pipeline "missing-diff" has no version 9 (latest is 1) (query.to)',
      errors: [{ path: 'query.to', message: 'pipeline "missing-diff" has no version 9 (latest is 1)' }],
    });
    expect(await problem('from=8')).toEqual({
      detail: 'pipeline "missing-diff" has no version 8 (latest is 1) (query.from)',
      errors: [{ path: 'query.from', message: 'pipeline "missing-diff" has no version 8 (latest is 1)' }],
    });
    expect((await problem('from=8&to=9')).errors[0].path).toBe('query.to');
  });

  it('lets exactly one of 20 simultaneous saves on the same base win', async () => {
    await runner.post('/api/pipelines', echoPipeline('raced'));
    const saves = Array.from({ length: 20 }, (_, i) =>
      runner.post('/api/pipelines/raced/versions', { document: { ...echoPipeline('raced'), title: `edit ${i}` }, message: `edit ${i}`, baseVersion: 1 }),
    );
    const responses = await Promise.all(saves);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const conflicts = await Promise.all(responses.filter((r) => r.status === 409).map((r) => r.json()));
    expect(conflicts.every((c) => c.latest === 2)).toBe(true);
    const versions = await (await runner.api('/api/pipelines/raced/versions')).json();
    expect(versions.map((v: any) => v.number)).toEqual([2, 1]);
  });
});
