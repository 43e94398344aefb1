import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/index';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';

let runner: TestRunner;
const json = async (res: Response) => ({ status: res.status, body: await res.json() });

/** Saves version N+1 of `name` whose llm prompt says `tag`. */
async function saveVersion(name: string, base: number, tag: string, broken = false) {
  const doc = echoPipeline(name);
  doc.nodes[1].config.prompt = `${tag} {{ question }}`;
  if (broken) doc.edges = doc.edges.slice(1); // the llm's `question` is left unconnected
  const res = await runner.post(`/api/pipelines/${name}/versions`, { document: doc, message: tag, baseVersion: base });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  runner = await startTestRunner();
  expect((await runner.post('/api/pipelines', echoPipeline('shop'))).status).toBe(201);
  await saveVersion('shop', 1, 'v2');
  await saveVersion('shop', 2, 'v3', true);
});
afterAll(() => runner.close());

describe('labels', () => {
  it('creates, moves and removes labels, each move appended to the history newest first', async () => {
    expect(await json(await runner.api('/api/pipelines/shop/labels'))).toEqual({ status: 200, body: { labels: {} } });

    const created = await json(await runner.put('/api/pipelines/shop/labels/production', { version: 1, note: 'first release' }));
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ label: 'production', version: 1, from: null });
    expect((await json(await runner.put('/api/pipelines/shop/labels/staging', { version: 2 }))).body).toMatchObject({ version: 2, from: null });
    expect((await json(await runner.put('/api/pipelines/shop/labels/production', { version: 2 }))).body).toMatchObject({ version: 2, from: 1 });

    const labels = (await json(await runner.api('/api/pipelines/shop/labels'))).body.labels;
    expect(Object.keys(labels)).toEqual(['production', 'staging']);
    expect(labels.production.version).toBe(2);
    expect(Date.parse(labels.production.movedAt)).toBeGreaterThan(0);

    expect((await runner.api('/api/pipelines/shop/labels/staging', { method: 'DELETE' })).status).toBe(204);
    expect(Object.keys((await json(await runner.api('/api/pipelines/shop/labels'))).body.labels)).toEqual(['production']);

    const { deployments } = (await json(await runner.api('/api/pipelines/shop/deployments'))).body;
    expect(deployments.map((d: any) => [d.label, d.from, d.to, d.by, d.forced])).toEqual([
      ['staging', 2, null, 'admin', false],
      ['production', 1, 2, 'admin', false],
      ['staging', null, 2, 'admin', false],
      ['production', null, 1, 'admin', false],
    ]);
    expect(deployments[3].note).toBe('first release');
    expect(deployments[0].evalId).toBeUndefined();
  });

  it('answers a move to the version the label holds with the label as it is, and records no move', async () => {
    expect((await runner.post('/api/pipelines', echoPipeline('held'))).status).toBe(201);
    expect((await runner.put('/api/pipelines/held/labels/production', { version: 1 })).status).toBe(200);
    const before = (await json(await runner.api('/api/pipelines/held/labels'))).body.labels.production;
    const again = await json(await runner.put('/api/pipelines/held/labels/production', { version: 1, note: 'once more' }));
    expect(again).toEqual({ status: 200, body: { label: 'production', version: 1, movedAt: before.movedAt, from: 1 } });
    expect((await json(await runner.api('/api/pipelines/held/labels'))).body.labels.production).toEqual(before);
    const { deployments } = (await json(await runner.api('/api/pipelines/held/deployments'))).body;
    expect(deployments.map((d: any) => [d.from, d.to])).toEqual([[null, 1]]);
  });

  it('refuses a label on a version that does not exist (404) or has problems (422), and bad names (400)', async () => {
    const missing = await json(await runner.put('/api/pipelines/shop/labels/production', { version: 9 }));
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toMatch(/no version 9.*latest is 3/);
    const broken = await json(await runner.put('/api/pipelines/shop/labels/production', { version: 3 }));
    expect(broken.status).toBe(422);
    expect(broken.body.type).toBe('urn:patchbay:problem:version-invalid');
    expect(broken.body.detail).toMatch(/version 3 of "shop" has problems/);
    expect((await json(await runner.put('/api/pipelines/nope/labels/production', { version: 1 }))).status).toBe(404);
    const badLabel = await json(await runner.put('/api/pipelines/shop/labels/v2', { version: 1 }));
    expect(badLabel.status).toBe(400);
    expect(badLabel.body.detail).toMatch(/path\.label/);
    expect(badLabel.body.detail).toMatch(/"v2" reads as version 2: a label cannot look like a version/);
    // All digits too: NAME@2 is version 2 (the CLI has always read it so), so a label "2" could never be named.
    const digits = await json(await runner.put('/api/pipelines/shop/labels/2', { version: 1 }));
    expect(digits.status).toBe(400);
    expect(digits.body.errors).toEqual([{ path: 'path.label', message: '"2" reads as version 2: a label cannot look like a version.' }]);
    const longLabel = await json(await runner.put(`/api/pipelines/shop/labels/${'x'.repeat(300)}`, { version: 1 }));
    expect(longLabel.status).toBe(400);
    expect(longLabel.body.detail).toMatch(/a label is at most 64 characters \(this one has 300\)/);
    expect((await json(await runner.put('/api/pipelines/shop/labels/qa', { version: 'one' }))).body.detail).toMatch(/\$\.version/);
    // A misspelt note would be dropped without a word and the history keep no reason for the move.
    const typo = await json(await runner.put('/api/pipelines/shop/labels/qa', { version: 1, notes: 'why it moved' }));
    expect(typo.status).toBe(400);
    expect(typo.body.errors[0].path).toBe('$');
    expect(typo.body.detail).toMatch(/unknown field "notes"/);
    expect((await json(await runner.api('/api/pipelines/shop/labels'))).body.labels.qa).toBeUndefined();
    // A NUL in the note: PostgreSQL cannot keep it, so neither store takes it (the same answer on both).
    const nul = await json(await runner.put('/api/pipelines/shop/labels/qa', { version: 1, note: 'a\u0000b' }));
    expect(nul.status).toBe(400);
    expect(nul.body.errors[0]).toMatchObject({ path: '$.note', message: 'must not hold the NUL character (\\u0000)' });
    expect((await json(await runner.api('/api/pipelines/shop/labels'))).body.labels.qa).toBeUndefined();
    const unset = await json(await runner.api('/api/pipelines/shop/labels/canary', { method: 'DELETE' }));
    expect(unset.status).toBe(404);
    expect(unset.body.detail).toMatch(/no label "canary"; its labels: production/);
    // Nothing refused reached the history or moved a label.
    expect((await json(await runner.api('/api/pipelines/shop/labels'))).body.labels.production.version).toBe(2);
    expect((await json(await runner.api('/api/pipelines/shop/deployments'))).body.deployments).toHaveLength(4);
  });

  it('removes a label made before labels could not be all digits, though none can be made now', async () => {
    // Written as an older runner could: the store takes any label it is given.
    const store = openSqliteStore(runner.dataDir);
    await store.labels.move({ pipeline: 'shop', label: '7', version: 1, by: 'admin', note: null, evalId: null, forced: false });
    await store.close();
    expect(Object.keys((await json(await runner.api('/api/pipelines/shop/labels'))).body.labels)).toContain('7');
    // shop@7 is version 7 written another way, so /v1 lists no such model (it would answer 404 to the id it listed).
    const models = (await json(await runner.api('/v1/models'))).body.data.map((m: { id: string }) => m.id);
    expect(models).not.toContain('shop@7');
    expect((await runner.api('/api/pipelines/shop/labels/7', { method: 'DELETE' })).status).toBe(204);
    expect(Object.keys((await json(await runner.api('/api/pipelines/shop/labels'))).body.labels)).not.toContain('7');
    const { deployments } = (await json(await runner.api('/api/pipelines/shop/deployments'))).body;
    expect(deployments[0]).toMatchObject({ label: '7', from: 1, to: null });
  });

  it('filters the runs served under a label made before labels could not be all digits', async () => {
    // A run served under "5" by an older runner, as it recorded it: the store takes any label it is given.
    const store = openSqliteStore(runner.dataDir);
    await store.runs.begin({ id: 'served-under-5', pipeline: 'shop', version: 1, document: null, inputs: { question: 'hi' }, startedAt: Date.now(), owner: 'host:1', source: 'openai', label: '5' });
    await store.runs.finish({ id: 'served-under-5', status: 'succeeded', outputs: { answer: 'hi' }, error: null, failedNode: null, durationMs: 1, nodes: {}, events: [] });
    await store.close();
    const served = await json(await runner.api('/api/runs?pipeline=shop&label=5'));
    expect(served.status).toBe(200);
    expect(served.body.map((r: { id: string; label: string }) => [r.id, r.label])).toEqual([['served-under-5', '5']]);
    // v5 was never a label: still refused, with the filter that finds version 5.
    const version = await json(await runner.api('/api/runs?pipeline=shop&label=v5'));
    expect(version.status).toBe(400);
    expect(version.body.errors).toEqual([{ path: 'query.label', message: '"v5" reads as version 5: a label cannot look like a version; filter by version with version=5' }]);
    // v0 names no version (they count from 1): no hint to a version=0 or "version": 0 that is refused in turn
    for (const [path, init] of [['/api/runs?pipeline=shop&label=v0', undefined], ['/api/pipelines/shop/run', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs": {}, "label": "v0"}' }]] as const) {
      const zero = await json(await runner.api(path, init));
      expect(zero.status, path).toBe(400);
      expect(zero.body.errors[0].message).toBe('"v0" reads as version 0: a label cannot look like a version.');
    }
  });

  it("keeps a deleted pipeline's history (and not its labels), which records each label as removed with it", async () => {
    expect((await runner.post('/api/pipelines', echoPipeline('gone'))).status).toBe(201);
    expect((await runner.put('/api/pipelines/gone/labels/production', { version: 1 })).status).toBe(200);
    expect((await runner.put('/api/pipelines/gone/labels/staging', { version: 1 })).status).toBe(200);
    expect((await runner.api('/api/pipelines/gone', { method: 'DELETE' })).status).toBe(204);
    const { deployments } = (await json(await runner.api('/api/pipelines/gone/deployments'))).body;
    // The history's last word on each label is where it is: nowhere, not still v1.
    expect(deployments).toEqual([
      expect.objectContaining({ label: 'staging', from: 1, to: null, by: 'admin', note: 'the pipeline was deleted', forced: false }),
      expect.objectContaining({ label: 'production', from: 1, to: null, by: 'admin', note: 'the pipeline was deleted', forced: false }),
      expect.objectContaining({ label: 'staging', from: null, to: 1 }),
      expect.objectContaining({ label: 'production', from: null, to: 1 }),
    ]);
    expect(deployments[0].at).toBe(deployments[1].at);
    expect((await runner.api('/api/pipelines/gone/labels')).status).toBe(404);
    // Saved again under the same name, it starts with no labels.
    expect((await runner.post('/api/pipelines', echoPipeline('gone'))).status).toBe(201);
    expect((await json(await runner.api('/api/pipelines/gone/labels'))).body.labels).toEqual({});
  });

  it('pages the history like every list: limit, X-Next-Cursor and Link, each move once; a forged cursor is a 400', async () => {
    const whole = (await json(await runner.api('/api/pipelines/shop/deployments'))).body.deployments;
    const seen: unknown[] = [];
    let next: string | null = '/api/pipelines/shop/deployments?limit=3';
    while (next) {
      const res = await runner.api(next);
      expect(res.status).toBe(200);
      const page = (await res.json()).deployments;
      expect(page.length).toBeLessThanOrEqual(3);
      seen.push(...page);
      const cursor = res.headers.get('x-next-cursor');
      next = res.headers.get('link')?.match(/^<([^>]+)>; rel="next"$/)?.[1] ?? null;
      expect(next === null).toBe(cursor === null);
    }
    expect(whole.length).toBeGreaterThan(3);
    expect(seen).toEqual(whole);
    const forged = await json(await runner.api('/api/pipelines/shop/deployments?cursor=bm90LWEtY3Vyc29y'));
    expect(forged.status).toBe(400);
    expect(forged.body.errors[0].path).toBe('query.cursor');
  });

  it('lists each pipeline with where its labels point, and none for a pipeline without labels, on every page', async () => {
    for (const name of ['listed-a', 'listed-b', 'listed-c']) expect((await runner.post('/api/pipelines', echoPipeline(name))).status).toBe(201);
    await saveVersion('listed-a', 1, 'v2');
    expect((await runner.put('/api/pipelines/listed-a/labels/production', { version: 2 })).status).toBe(200);
    expect((await runner.put('/api/pipelines/listed-a/labels/staging', { version: 1 })).status).toBe(200);
    expect((await runner.put('/api/pipelines/listed-c/labels/production', { version: 1 })).status).toBe(200);
    const held = (await json(await runner.api('/api/pipelines/listed-a/labels'))).body.labels;

    const all = (await json(await runner.api('/api/pipelines?limit=100'))).body as { name: string; labels: Record<string, unknown> }[];
    const byName = Object.fromEntries(all.map((p) => [p.name, p.labels]));
    expect(byName['listed-a']).toEqual(held);
    expect(byName['listed-b']).toEqual({});
    expect(byName['listed-c']).toEqual({ production: { version: 1, movedAt: expect.any(String) } });

    // pages of one carry their own pipeline's labels, the same as the whole list
    const paged: Record<string, unknown> = {};
    for (let cursor: string | null = ''; cursor !== null; ) {
      const res = await runner.api(`/api/pipelines?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      for (const p of await res.json()) paged[p.name] = p.labels;
      cursor = res.headers.get('x-next-cursor');
    }
    expect(paged).toEqual(byName);
  });

  it('lists the label routes in the OpenAPI document with their operation ids', async () => {
    const spec = (await json(await runner.api('/api/openapi.json'))).body;
    expect(spec.paths['/api/pipelines/{name}/labels/{label}'].put.operationId).toBe('moveLabel');
    expect(spec.paths['/api/pipelines/{name}/deployments'].get.operationId).toBe('listDeployments');
  });
});
