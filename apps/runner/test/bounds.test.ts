import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allSseEvents, echoPipeline, startTestRunner, waitForRun, type TestRunner } from './support/test-runner';

const DEEP = '__deep__';
/** `[[[…"x"…]]]` nested `depth` levels deep, as text (JSON.stringify itself overflows on it): 5,000 levels is 10 KB. */
const deepText = (depth: number) => `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;
/** The JSON text of `body` with every DEEP string replaced by a value 5,000 levels deep. */
const withDeep = (body: unknown) => JSON.stringify(body).replaceAll(`"${DEEP}"`, deepText(5_000));
const postText = (route: string, text: string) => runner.api(route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });

let runner: TestRunner;
let configDir: string;
beforeAll(async () => {
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-bounds-'));
  const configPath = path.join(configDir, 'patchbay.config.json');
  // offline:scripted answers "long please" with 30,000 characters, streamed in a few pieces
  fs.writeFileSync(configPath, JSON.stringify({ limits: { maxOutputBytes: 10_000 }, scripted: [{ match: '^long please$', reply: 'word '.repeat(6_000) }] }));
  runner = await startTestRunner({ configPath });
  expect((await runner.post('/api/pipelines', echoPipeline('echo'))).status).toBe(201);
});
afterAll(async () => {
  await runner.close();
  fs.rmSync(configDir, { recursive: true, force: true });
});

describe('deeply nested JSON', () => {
  it('is a 400 naming the JSON path on every route that takes a body, never a 500', async () => {
    const value = DEEP;
    const bodies: [string, unknown][] = [
      ['/api/pipelines', { ...echoPipeline('deep'), description: 'x', nodes: [...echoPipeline().nodes, { id: 'd', type: 'input', config: { name: 'd', valueType: 'json', default: value } }] }],
      ['/api/pipelines/echo/versions', { document: echoPipeline('echo'), baseVersion: 1, message: value }],
      ['/api/datasets', { name: 'deep', cases: [{ id: 'a', input: { q: value } }] }],
      ['/api/runs', { pipeline: 'echo', inputs: { question: value } }],
      ['/api/indexes/deep/documents', { documents: [{ text: 'x', metadata: { v: value } }] }],
    ];
    for (const [route, body] of bodies) {
      const res = await postText(route, withDeep(body));
      expect(res.status, route).toBe(400);
      const problem = await res.json();
      expect(problem.type).toBe('urn:patchbay:problem:too-deep');
      expect(problem.detail).toMatch(/deeper than the limit of 256 levels at \$\./);
      expect(problem.errors[0].path).toMatch(/^\$\.[a-z]+/);
    }
    // The message shows the path abbreviated, on one short line; the problem's path stays whole for a program to follow.
    const res = await postText('/api/runs', withDeep({ pipeline: 'echo', inputs: { question: DEEP } }));
    const problem = await res.json();
    expect(problem.detail).toBe('the request body nests deeper than the limit of 256 levels at $.inputs.question[0][0]…(250 more levels)…[0][0]');
    expect(problem.errors).toEqual([{ path: `$.inputs.question${'[0]'.repeat(254)}`, message: 'nests deeper than the limit of 256 levels' }]);
    // Nothing was made: no run, no pipeline, no dataset.
    expect(await (await runner.api('/api/runs')).json()).toEqual([]);
    expect((await runner.api('/api/pipelines/deep')).status).toBe(404);
  });

  it('in a dataset file is refused with its line, not a 500', async () => {
    const line = withDeep({ id: 'a', input: { q: DEEP } });
    const res = await runner.post('/api/datasets', { name: 'deep-file', format: 'jsonl', content: `${line}\n` });
    expect(res.status).toBe(400);
    expect((await res.json()).detail).toMatch(/:1: \$\.input\.q\[0\]\[0\]…\(250 more levels\)…\[0\]\[0\] nests deeper than the limit of 256 levels/);
  });

  it('made by a node fails that node with a clear error, and the run is recorded', async () => {
    const doc = {
      format: 'patchbay.pipeline/v1',
      name: 'nest',
      nodes: [
        { id: 'n', type: 'input', config: { name: 'n', valueType: 'number' } },
        { id: 'code', type: 'code', config: { code: 'let v = 1; for (let i = 0; i < value; i++) v = [v]; return v' } },
        { id: 'out', type: 'output', config: { name: 'v' } },
      ],
      edges: [
        { from: 'n.value', to: 'code.value' },
        { from: 'code.value', to: 'out.value' },
      ],
    };
    const created = await runner.post('/api/runs', { document: doc, inputs: { n: 300 } });
    expect(created.status).toBe(201);
    const run = await waitForRun(runner, (await created.json()).id);
    expect(run.status).toBe('failed');
    expect(run.nodes.code.error).toMatch(/its output nests deeper than 256 levels \(at \$outputs\.value\[0\]\[0\]\[0\]…\(250 more levels\)…\[0\]\[0\]\)/);
  });
});

describe('a "__proto__" key', () => {
  // JSON.parse makes it an own key, but any copy by assignment (a zod record, Object.assign) sets the
  // copy's prototype instead: the key vanished unseen where any other unknown key is refused.
  it('is a 400 naming its path in a request body (also written with escapes), as Fastify refuses it', async () => {
    const bodies: [string, string][] = [
      ['/api/runs', '{"pipeline":"echo","inputs":{"__proto__":{"question":"x"},"question":"hi"}}'],
      ['/api/runs', '{"pipeline":"echo","inputs":{"question":"hi","\\u005f_proto__":{}}}'],
      ['/api/datasets', '{"name":"proto","cases":[{"id":"a","input":{"question":"x"},"metadata":{"__proto__":{"x":1}}}]}'],
    ];
    for (const [route, text] of bodies) {
      const res = await postText(route, text);
      expect(res.status, text).toBe(400);
      const problem = await res.json();
      expect(problem.type).toBe('urn:patchbay:problem:forbidden-key');
      expect(problem.errors[0].path, text).toMatch(/^\$\.(inputs|cases\[0\]\.metadata)$/);
      expect(problem.detail).toMatch(/the key "__proto__" is not accepted in JSON \(it would set an object's prototype\) at \$\./);
    }
    expect(await (await runner.api('/api/runs?pipeline=echo')).json()).toEqual([]);
  });

  it('in a dataset file is refused with its line', async () => {
    const res = await runner.post('/api/datasets', { name: 'proto-file', format: 'jsonl', content: '{"id":"a","input":{"question":"x"}}\n{"id":"b","input":{"__proto__":{"question":"x"}}}\n' });
    expect(res.status).toBe(400);
    expect((await res.json()).detail).toMatch(/:2: \$\.input: the key "__proto__" is not accepted/);
  });
});

describe('a number past what JSON can hold', () => {
  it('is a 400 saying it is too large, not that it "must be a number" or "Infinity"', async () => {
    const why = 'is a number too large (it reads as infinite)';
    for (const [route, text, where] of [
      ['/api/runs', '{"pipeline":"echo","version":1e400,"inputs":{"question":"hi"}}', '$.version'],
      ['/api/pipelines/echo/labels/prod', '{"version":-1e400}', '$.version'],
    ]) {
      const res = await runner.api(route, { method: route.includes('labels') ? 'PUT' : 'POST', headers: { 'content-type': 'application/json' }, body: text });
      expect(res.status, route).toBe(400);
      expect((await res.json()).errors[0], route).toEqual({ path: where, message: why });
    }
    const res = await runner.api(`/api/runs?limit=${'9'.repeat(400)}`);
    expect(res.status).toBe(400);
    expect((await res.json()).errors).toEqual([{ path: 'query.limit', message: why }]);
  });
});

describe('a lone surrogate', () => {
  // "\ud800" is valid JSON but no Unicode text: SQLite stored it in a text column as three U+FFFD, so a
  // version's message or an indexed document's id and text read back other than the answer acknowledged,
  // and two ids that differ only in it became one.
  it('is a 400 naming its path in a request body, and nothing is stored', async () => {
    const bodies: [string, string, string, string][] = [
      ['/api/pipelines/echo/versions', `{"document":${JSON.stringify(echoPipeline('echo'))},"baseVersion":1,"message":"fix \\ud800"}`, '$.message', 'd800'],
      ['/api/indexes/lone/documents', '{"documents":[{"id":"a","text":"fine"},{"id":"k\\udc00x","text":"doc"}]}', '$.documents[1].id', 'dc00'],
      ['/api/indexes/lone/documents', '{"documents":[{"text":"half \\ud83d of a pair"}]}', '$.documents[0].text', 'd83d'],
      ['/api/runs', '{"pipeline":"echo","inputs":{"question":"hi","\\ud800":1}}', '$.inputs', 'd800'],
    ];
    for (const [route, text, at, unit] of bodies) {
      const res = await postText(route, text);
      expect(res.status, text).toBe(400);
      const problem = await res.json();
      expect(problem.type).toBe('urn:patchbay:problem:invalid-request');
      expect(problem.errors[0].path, text).toBe(at);
      expect(problem.detail).toBe(`the request body holds a lone surrogate (\\u${unit}), which is not Unicode text, at ${at}`);
    }
    expect((await (await runner.api('/api/pipelines/echo/versions')).json()).map((v: { number: number }) => v.number)).toEqual([1]);
    expect((await (await runner.api('/api/indexes')).json()).map((i: { name: string }) => i.name)).not.toContain('lone');
    // A pair is one character (😀), and fine.
    const pair = await runner.post('/api/indexes/lone/documents', { documents: [{ id: 'smile', text: 'a \ud83d\ude00 face' }] });
    expect(pair.status).toBe(201);
    const found = await (await runner.post('/api/indexes/lone/search', { query: 'face' })).json();
    expect(found.documents).toEqual([expect.objectContaining({ id: 'smile', text: 'a \u{1F600} face' })]);
  });
});

describe('output size', () => {
  it('fails a node whose output is over limits.maxOutputBytes, naming the setting', async () => {
    const doc = {
      format: 'patchbay.pipeline/v1',
      name: 'big',
      nodes: [
        { id: 'n', type: 'input', config: { name: 'n', valueType: 'number' } },
        { id: 'code', type: 'code', config: { code: "return 'x'.repeat(value)" } },
        { id: 'out', type: 'output', config: { name: 'v' } },
      ],
      edges: [
        { from: 'n.value', to: 'code.value' },
        { from: 'code.value', to: 'out.value' },
      ],
    };
    const small = await waitForRun(runner, (await (await runner.post('/api/runs', { document: doc, inputs: { n: 100 } })).json()).id);
    expect(small.status).toBe('succeeded');
    const big = await waitForRun(runner, (await (await runner.post('/api/runs', { document: doc, inputs: { n: 20_000 } })).json()).id);
    expect(big.status).toBe('failed');
    expect(big.error).toMatch(/its output is over the limit of 10000 bytes \(limits\.maxOutputBytes/);
  });

  it('stops a model reply that streams past limits.maxOutputBytes: what was streamed and stored stays under it', async () => {
    const id = (await (await runner.post('/api/runs', { document: echoPipeline('long', 'offline:scripted'), inputs: { question: 'long please' } })).json()).id;
    const run = await waitForRun(runner, id);
    expect(run.status).toBe('failed');
    expect(run.error).toBe('node "answer" failed: its output is over the limit of 10000 bytes (limits.maxOutputBytes in the workspace config)');
    const events = await allSseEvents(await runner.api(`/api/runs/${id}/events`));
    const streamed = events.filter((e) => e.event === 'node.token').reduce((n, e) => n + JSON.parse(e.data).text.length, 0);
    expect(streamed).toBeGreaterThan(0);
    expect(streamed).toBeLessThanOrEqual(10_000);
  });
});

describe('pipeline names', () => {
  it('has one length limit: a name the API creates can be read, saved, run and deleted; a longer one is refused at creation', async () => {
    const longest = 'a'.repeat(200);
    expect((await runner.post('/api/pipelines', echoPipeline(longest))).status).toBe(201);
    expect((await runner.api(`/api/pipelines/${longest}`)).status).toBe(200);
    const saved = await runner.post(`/api/pipelines/${longest}/versions`, { document: { ...echoPipeline(longest), title: 't' }, baseVersion: 1 });
    expect(saved.status).toBe(201);
    const run = await runner.post('/api/runs', { pipeline: longest, inputs: { question: 'hi' } });
    expect(run.status).toBe(201);
    await waitForRun(runner, (await run.json()).id);
    expect((await runner.api(`/api/pipelines/${longest}`, { method: 'DELETE' })).status).toBe(204);

    const tooLong = await runner.post('/api/pipelines', echoPipeline('a'.repeat(201)));
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(await tooLong.json())).toMatch(/at most 200 characters/);
  });

  it('cannot start with "-" (the command line would read `patchbay run -x` as an option), refused at creation', async () => {
    for (const name of ['-x', '--', '-']) {
      const res = await runner.post('/api/pipelines', echoPipeline(name));
      expect(res.status, name).toBe(400);
      const problem = await res.json();
      expect(problem.type).toBe('urn:patchbay:problem:not-a-pipeline');
      expect(problem.errors).toEqual([{ path: '$.name', message: 'a pipeline name starts with a letter or digit: one starting with "-" would read as an option on the command line' }]);
    }
    expect((await runner.api('/api/pipelines')).status).toBe(200);
    expect((await runner.api('/api/pipelines/-x')).status).toBe(404);
    expect((await runner.post('/api/pipelines', echoPipeline('x-'))).status).toBe(201);
  });
});
