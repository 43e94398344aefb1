import fc from 'fast-check';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteModule } from '../src/index';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';

let runner: TestRunner;
const logged: string[] = [];

/** A route that fails the way a bug would, to see what leaves the server. */
const faulty: RouteModule = {
  name: 'faulty',
  register(app) {
    app.get('/api/test-only/explode', () => {
      throw new Error('internal detail: /srv/secret/path line 42');
    });
  },
};

beforeAll(async () => {
  runner = await startTestRunner({ routes: [faulty], log: (line) => logged.push(line) });
  await runner.post('/api/pipelines', echoPipeline('echo'));
});
afterAll(() => runner.close());

async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = await res.json();
  expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at |\.ts:\d+/);
  return body;
}

describe('errors are application/problem+json', () => {
  it('404 for an unknown route, under /api and for a missing asset', async () => {
    await expectProblem(await runner.api('/api/nothing-here'), 404);
    await expectProblem(await runner.api('/api/pipelines/echo/nothing'), 404);
  });

  it('405 with Allow for a known path and a wrong method', async () => {
    const res = await runner.api('/api/pipelines/echo', { method: 'PUT' });
    await expectProblem(res, 405);
    expect(res.headers.get('allow')).toBe('DELETE, GET, HEAD');
    const cancel = await runner.api('/api/runs/some-id/cancel');
    await expectProblem(cancel, 405);
    expect(cancel.headers.get('allow')).toBe('POST');
  });

  it('404 (not "POST is not allowed … allowed: POST") for a known path with a trailing slash, which no route answers', async () => {
    const res = await runner.post('/api/pipelines/echo/run/', { inputs: {} });
    const body = await expectProblem(res, 404);
    expect(body.detail).toBe('there is nothing at POST /api/pipelines/echo/run/; the API is described at /api/docs');
    await expectProblem(await runner.api('/api/pipelines/'), 404);
  });

  // "malformed JSON" alone sent the sender reading the whole body for the slip.
  it('400 for malformed JSON says where: line, column and what was expected there', async () => {
    const send = (body: string, path = '/api/runs') => runner.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const detail = async (res: Response) => (await expectProblem(res, 400)).detail as string;
    expect(await detail(await send('{"pipeline": "echo",'))).toBe('malformed JSON in request body at line 1, column 21: Expected double-quoted property name');
    expect(await detail(await send('{\n  "pipeline": "echo"\n  "inputs": {}\n}'))).toBe("malformed JSON in request body at line 3, column 3: Expected ',' or '}' after property value");
    // V8 names no position for an unexpected character: found all the same
    expect(await detail(await send('{"pipeline": "echo",\n "inputs": {"question": hi}}'))).toBe("malformed JSON in request body at line 2, column 25: unexpected character 'h'");
    expect(await detail(await send('[1, 2,]', '/api/pipelines'))).toBe("malformed JSON in request body at line 1, column 7: unexpected character ']'");
    expect(await detail(await send('{"pipeline": "echo"'))).toBe("malformed JSON in request body at line 1, column 20: Expected ',' or '}' after property value");
    expect(await detail(await send('{"pipeline": "ec'))).toBe('malformed JSON in request body at line 1, column 17: Unterminated string');
    expect(await detail(await send('{}}'))).toBe('malformed JSON in request body at line 1, column 3: Unexpected non-whitespace character after JSON');
    // the same on /v1, in OpenAI's shape
    const openai = await send('{"model": "echo", "messages": [}', '/v1/chat/completions');
    expect(openai.status).toBe(400);
    expect((await openai.json()).error.message).toBe("malformed JSON in request body at line 1, column 32: unexpected character '}'");
  });

  it('400 for malformed JSON and for a body that fails the schema, with zod paths', async () => {
    const malformed = await runner.api('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"pipeline": "echo",' });
    expect((await expectProblem(malformed, 400)).detail).toMatch(/malformed JSON/);

    const wrong = await runner.post('/api/indexes/docs/search', { query: 42, topK: 'many' });
    const body = await expectProblem(wrong, 400);
    expect(body.errors.map((e: any) => e.path).sort()).toEqual(['$.query', '$.topK']);

    const query = await runner.api('/api/runs?limit=lots');
    expect((await expectProblem(query, 400)).errors[0].path).toBe('query.limit');
  });

  // A client tells "fix the request" from other problems by `type`: every 400 says invalid-request unless a
  // more specific type applies, not only those the schema check makes (some handlers' own said about:blank).
  it('every 400 has the type invalid-request: the schema check and the handlers’ own checks alike', async () => {
    const refusals = [
      await runner.api('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"pipeline": "echo",' }),
      await runner.api('/api/runs?limit=lots'),
      await runner.api('/api/runs?minScore=0.5'),
      await runner.api('/api/runs?finishedFrom=2026-02-01T00:00:00Z&finishedTo=2026-01-01T00:00:00Z'),
      await runner.post('/api/pipelines/echo/promotions', { label: 'production', version: 1, suite: { dataset: 'd', scorers: [{ name: 'x', type: 'contains' }] }, dryRun: true, force: true }),
    ];
    for (const res of refusals) expect((await expectProblem(res, 400)).type, res.url).toBe('urn:patchbay:problem:invalid-request');
  });

  // A client tells a mistyped id from a missing route by `type`: a 404 about what the request names says what is missing.
  it('every 404 about something the request names has its "…-not-found" type; only a path with no route is about:blank', async () => {
    const suite = { scorers: [{ type: 'exact' }] };
    const cases: [() => Promise<Response>, string][] = [
      [() => runner.api('/api/pipelines/nope'), 'pipeline-not-found'],
      [() => runner.api('/api/pipelines/nope', { method: 'DELETE' }), 'pipeline-not-found'],
      [() => runner.api('/api/pipelines/nope/versions'), 'pipeline-not-found'],
      [() => runner.api('/api/pipelines/nope/diff'), 'pipeline-not-found'],
      [() => runner.api('/api/pipelines/echo/versions/9'), 'version-not-found'],
      [() => runner.api('/api/pipelines/nope/versions/1'), 'pipeline-not-found'],
      [() => runner.api('/api/pipelines/nope/monitors'), 'pipeline-not-found'],
      [() => runner.post('/api/runs', { pipeline: 'nope', inputs: {} }), 'pipeline-not-found'],
      [() => runner.post('/api/runs', { pipeline: 'echo', version: 99, inputs: {} }), 'version-not-found'],
      [() => runner.api('/api/runs/nope'), 'run-not-found'],
      [() => runner.api('/api/runs/nope/events'), 'run-not-found'],
      [() => runner.api('/api/runs/nope/cancel', { method: 'POST' }), 'run-not-found'],
      [() => runner.api('/api/evals/nope'), 'eval-not-found'],
      [() => runner.api('/api/evals/nope/events'), 'eval-not-found'],
      [() => runner.api('/api/evals/nope/cancel', { method: 'POST' }), 'eval-not-found'],
      [() => runner.api('/api/compare?a=nope&b=nope'), 'eval-not-found'],
      [() => runner.post('/api/evals', { pipeline: 'nope', dataset: 'd', suite }), 'pipeline-not-found'],
      [() => runner.post('/api/evals', { pipeline: 'echo', dataset: 'nope', suite }), 'dataset-not-found'],
      [() => runner.api('/api/datasets/nope'), 'dataset-not-found'],
      [() => runner.api('/api/datasets/nope/versions'), 'dataset-not-found'],
      [() => runner.api('/api/datasets/nope', { method: 'DELETE' }), 'dataset-not-found'],
      [() => runner.post('/api/datasets/nope/cases', { fromRuns: ['nope'] }), 'run-not-found'],
      [() => runner.api('/api/suites/nope'), 'suite-not-found'],
      [() => runner.post('/api/node-types/nope/ports', { config: {} }), 'node-type-not-found'],
      [() => runner.post('/api/indexes/nope/search', { query: 'x' }), 'index-not-found'],
    ];
    for (const [res, type] of cases) {
      const answer = await res();
      expect((await expectProblem(answer, 404)).type, answer.url).toBe(`urn:patchbay:problem:${type}`);
    }
    expect((await expectProblem(await runner.api('/api/no-such-route'), 404)).type).toBe('about:blank');
  });

  it("a 4xx detail names the JSON path and reads as one plain line, never zod's own wording", async () => {
    const detail = async (res: Response) => (await expectProblem(res, res.status)).detail as string;
    const cases: [Promise<Response>, string][] = [
      [runner.api(`/api/compare?a=${'x'.repeat(150)}&b=x`), 'invalid query: query.a must be at most 100 characters long'],
      [runner.api('/api/compare?a=x'), 'invalid query: query.b is required'],
      [runner.api('/api/runs?limit=lots'), 'invalid query: query.limit: a whole number in digits (0-9), e.g. 20'],
      [runner.api('/api/runs?limit=0'), 'invalid query: query.limit must be at least 1'],
      [runner.api('/api/runs?limit=1.5'), 'invalid query: query.limit: a whole number in digits (0-9), e.g. 20'],
      [runner.api('/api/runs?limit=0x10'), 'invalid query: query.limit: a whole number in digits (0-9), e.g. 20'],
      // a parameter given twice is said to be, not judged as a number or a name it is not
      [runner.api('/api/runs?limit=10&limit=20'), 'invalid query: query.limit is given 2 times: give it once'],
      [runner.api('/api/runs?source=api&source=cli&source=api'), 'invalid query: query.source is given 3 times: give it once'],
      [runner.api('/api/compare?a=x&b=y&b=z'), 'invalid query: query.b is given 2 times: give it once'],
      [runner.post('/api/indexes/docs/search', { query: 42 }), 'invalid request body: $.query must be text (it is a number)'],
      [runner.post('/api/datasets', { name: 'ok', cases: 'x' }), 'invalid request body: $.cases must be a list (it is text)'],
      [runner.post('/api/runs', { pipeline: 'echo', inputs: {}, input: {} }), 'invalid request body: $ has an unknown field "input"'],
      [runner.post('/api/pipelines', { ...echoPipeline('x'), name: 'a'.repeat(300) }), 'not a pipeline document: $.name: name must be at most 200 characters'],
      [runner.post('/api/pipelines', { ...echoPipeline('x'), nodes: 'x' }), 'not a pipeline document: $.nodes: nodes must be a list (it is text)'],
      // an id quoted back cannot break the line
      [runner.api('/api/evals/a%0Ab%0D%00c'), 'there is no eval "a\\nb\\r\\u0000c"'],
      // a body field that names something missing is named too
      [runner.post('/api/runs', { pipeline: 'nope', inputs: {} }), 'there is no pipeline "nope" ($.pipeline)'],
      [runner.post('/api/runs', { pipeline: 'nope', version: 2, inputs: {} }), 'there is no pipeline "nope" ($.pipeline)'],
      [runner.post('/api/runs', { pipeline: 'echo', version: 99, inputs: {} }), 'pipeline "echo" has no version 99 (latest is 1) ($.version)'],
      [runner.post('/api/evals', { pipeline: 'nope', dataset: 'd', suite: { scorers: [{ type: 'exact' }] } }), 'there is no pipeline "nope" ($.pipeline)'],
      [runner.post('/api/evals', { pipeline: 'echo', dataset: 'nope', suite: { scorers: [{ type: 'exact' }] } }), 'there is no dataset "nope" ($.dataset)'],
      // a check of the route's own names its path too
      [runner.post('/api/pipelines/echo/versions', { document: echoPipeline('other'), message: 'm', baseVersion: 1 }), 'the document is named "other" but is being saved as "echo" ($.document.name)'],
    ];
    for (const [res, expected] of cases) expect(await detail(await res)).toBe(expected);
  });

  // A typo in a filter must not widen it: ?pipline=x answered every run, as if unfiltered.
  it('400 for a query parameter the route does not take, naming it and the close one it has', async () => {
    const typo = await expectProblem(await runner.api('/api/runs?pipline=echo'), 400);
    expect(typo.detail).toBe('invalid query: query.pipline is not a parameter of GET /api/runs; did you mean "pipeline"?');
    expect(typo.errors).toEqual([{ path: 'query.pipline', message: expect.stringContaining('did you mean "pipeline"?') }]);
    expect(typo.type).toBe('urn:patchbay:problem:invalid-request');
    // no close one: the parameters it does take are named instead
    const far = await expectProblem(await runner.api('/api/evals?colour=red&pipeline=echo'), 400);
    expect(far.detail).toBe('invalid query: query.colour is not a parameter of GET /api/evals (it takes pipeline, limit, cursor)');
    // a route without query parameters (GET /api/pipelines/echo?version=3 would answer the latest version)
    const none = await expectProblem(await runner.api('/api/pipelines/echo?version=3'), 400);
    expect(none.detail).toBe('invalid query: query.version is not a parameter of GET /api/pipelines/{name} (it takes none)');
    const post = await expectProblem(await runner.post('/api/runs?strem=true', { pipeline: 'echo', inputs: { question: 'hi' } }), 400);
    expect(post.errors[0].path).toBe('query.strem');
    expect((await runner.api('/api/runs?pipeline=echo&limit=5')).status).toBe(200);
    expect((await runner.api('/api/runs?pipline=echo', { method: 'HEAD' })).status).toBe(400);
    // a name that is no plain word is quoted, so the path still shows where it starts and ends
    expect((await expectProblem(await runner.api('/api/runs?%20pipeline=echo'), 400)).errors[0].path).toBe('query[" pipeline"]');
    expect((await expectProblem(await runner.api('/api/runs?=echo'), 400)).detail).toBe('invalid query: query[""] is not a parameter of GET /api/runs (it takes pipeline, source, label, version, status, monitor, minScore, maxScore, finishedFrom, finishedTo, limit, cursor)');
  });

  it('quotes a long key by its first 60 characters and its length, in the path and the message, wherever a problem names it', async () => {
    const key = 'k'.repeat(300_000);
    const shown = `${'k'.repeat(60)}…(300,000 characters)`;
    const doc = echoPipeline('long-key');
    const withConfigKey = { ...doc, nodes: doc.nodes.map((n, i) => (i === 1 ? { ...n, config: { ...n.config, [key]: 1 } } : n)) };
    const answers: Array<[string, Response]> = [
      ['run inputs', await runner.post('/api/runs', { pipeline: 'echo', inputs: { question: 'hi', [key]: 1 } })],
      ['served inputs', await runner.post('/api/pipelines/echo/run', { version: 1, inputs: { question: 'hi', [key]: 1 } })],
      ['body field', await runner.post('/api/runs', { pipeline: 'echo', inputs: { question: 'hi' }, [key]: 1 })],
      ['dataset case', await runner.post('/api/datasets', { name: 'long-key', cases: [{ id: 'a', input: {}, [key]: 1 }] })],
      ['config key', await runner.post('/api/runs', { document: withConfigKey, inputs: { question: 'hi' } })],
      ['query', await runner.api(`/api/runs?${'k'.repeat(10_000)}=1`)],
    ];
    for (const [what, res] of answers) {
      const text = await res.text();
      expect(res.status, what).toBeGreaterThanOrEqual(400);
      expect(text.length, what).toBeLessThan(2_000);
      expect(text, what).toContain(what === 'query' ? `${'k'.repeat(60)}…(10,000 characters)` : shown);
    }
    const inputs = await expectProblem(await runner.post('/api/runs', { pipeline: 'echo', inputs: { question: 'hi', [key]: 1 } }), 422);
    expect(inputs.errors[0]).toEqual({ path: `$.inputs[${JSON.stringify(shown)}]`, message: `the pipeline has no input ${JSON.stringify(shown)} (its inputs: question)` });
  });

  // A filter value no pipeline or monitor can have answered [] as if nothing matched: say what one looks like.
  it('400 for a name filter no name can match (pipeline, monitor), saying what a name looks like', async () => {
    const detail = async (p: string) => (await expectProblem(await runner.api(p), 400)).detail as string;
    expect(await detail('/api/runs?monitor=Bad!')).toBe('invalid query: query.monitor: a monitor name is a slug: a-z, 0-9 and - (at most 64 characters)');
    expect(await detail(`/api/runs?monitor=${'a'.repeat(65)}`)).toBe('invalid query: query.monitor: a monitor name is a slug: a-z, 0-9 and - (at most 64 characters)');
    expect(await detail('/api/runs?pipeline=Echo')).toBe('invalid query: query.pipeline: a pipeline name is a slug: a-z, 0-9 and - (at most 200 characters)');
    expect(await detail('/api/evals?pipeline=my%20pipeline')).toBe('invalid query: query.pipeline: a pipeline name is a slug: a-z, 0-9 and - (at most 200 characters)');
    expect(await detail('/api/metrics?pipeline=echo!')).toBe('invalid query: query.pipeline: a pipeline name is a slug: a-z, 0-9 and - (at most 200 characters)');
    // '' is still no filter; a name that is one but matches nothing is still an empty list
    for (const p of ['/api/runs?pipeline=&monitor=', '/api/evals?pipeline=', '/api/runs?monitor=nobody', '/api/evals?pipeline=nobody']) expect((await runner.api(p)).status, p).toBe(200);
  });

  it('a 4xx about what a body or query field names (a version, a label, a run, a key name, an eval) lists that field in errors and the detail', async () => {
    expect((await runner.post('/api/pipelines', echoPipeline('fields'))).status).toBe(201);
    const broken = echoPipeline('fields');
    broken.edges = broken.edges.slice(1);
    expect((await runner.post('/api/pipelines/fields/versions', { document: broken, message: 'broken', baseVersion: 1 })).status).toBe(201);
    expect((await runner.post('/api/datasets', { name: 'fields', cases: [{ id: 'c1', input: { question: 'q' }, expected: 'q' }] })).status).toBe(201);
    expect((await runner.post('/api/keys', { name: 'fields' })).status).toBe(201);
    const suite = { dataset: 'fields', scorers: [{ name: 's', type: 'contains' }] };
    // [request, status, the detail (… : the problem's own words, then the field), the field]
    const cases: [() => Promise<Response>, number, string, string][] = [
      [() => runner.put('/api/pipelines/fields/labels/production', { version: 9 }), 404, 'pipeline "fields" has no version 9 (latest is 2) ($.version)', '$.version'],
      [() => runner.put('/api/pipelines/fields/labels/production', { version: 2 }), 422, 'version 2 of "fields" has problems, so no label can point at it: … ($.version)', '$.version'],
      [() => runner.post('/api/pipelines/fields/promotions', { label: 'production', version: 9, suite }), 404, 'pipeline "fields" has no version 9 (latest is 2) ($.version)', '$.version'],
      [() => runner.post('/api/pipelines/fields/promotions', { label: 'production', version: 2, suite }), 422, 'version 2 of "fields" cannot run: … ($.version)', '$.version'],
      [() => runner.post('/api/pipelines/fields/run', { inputs: {} }), 404, 'pipeline "fields" has no label "production"; it has no labels yet (serve a version by number: "fields@v2" as a /v1 model, "version": 2 in a run\'s body) ($.label)', '$.label'],
      [() => runner.post('/api/pipelines/fields/run', { inputs: {}, label: 'staging' }), 404, 'pipeline "fields" has no label "staging"; it has no labels yet (serve a version by number: "fields@v2" as a /v1 model, "version": 2 in a run\'s body) ($.label)', '$.label'],
      [() => runner.post('/api/pipelines/fields/run', { inputs: {}, version: 9 }), 404, 'pipeline "fields" has no version 9 (latest is 2) ($.version)', '$.version'],
      // a run, an eval and a version's page say the latest too, as a label and a promotion do
      [() => runner.post('/api/runs', { pipeline: 'fields', version: 9, inputs: {} }), 404, 'pipeline "fields" has no version 9 (latest is 2) ($.version)', '$.version'],
      [() => runner.post('/api/evals', { pipeline: 'fields', version: 9, dataset: 'fields', suite: { scorers: [{ type: 'contains' }] } }), 404, 'pipeline "fields" has no version 9 (latest is 2) ($.version)', '$.version'],
      [() => runner.post('/api/pipelines/fields/run', { inputs: {}, version: 2 }), 422, 'version 2 of "fields" cannot run: … ($.version)', '$.version'],
      [() => runner.post('/api/runs', { pipeline: 'fields', version: 1, inputs: {}, from: { run: 'nope', node: 'answer' } }), 404, 'there is no run "nope" to start from ($.from.run)', '$.from.run'],
      [() => runner.post('/api/keys', { name: 'fields' }), 409, 'there is already a serving key named "fields"; revoke it first or pick another name ($.name)', '$.name'],
      [() => runner.api('/api/compare?a=nope&b=nope'), 404, 'there is no eval "nope" (query.a)', 'query.a'],
      [() => runner.api(`/api/datasets/fields?hash=${'a'.repeat(64)}`), 404, `dataset "fields" has no version ${'a'.repeat(64)} (query.hash)`, 'query.hash'],
    ];
    for (const [request, status, detail, path] of cases) {
      const res = await request();
      if (res.status !== status) throw new Error(`${detail}: ${res.status} ${await res.text()}`);
      const problem = await expectProblem(res, status);
      const [start, end] = detail.split(': … ');
      if (end === undefined) expect(problem.detail).toBe(detail);
      else expect(problem.detail.startsWith(`${start}: `) && problem.detail.endsWith(` ${end}`), `${problem.detail} ~ ${detail}`).toBe(true);
      expect(problem.errors?.[0]?.path, detail).toBe(path);
    }
  });

  it('415 for a compressed body (Content-Encoding gzip), saying to send it uncompressed, not "malformed JSON"', async () => {
    const { gzipSync } = await import('node:zlib');
    const gzipped = gzipSync(JSON.stringify({ pipeline: 'echo', inputs: { question: 'hi' } }));
    const res = await runner.api('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipped });
    expect((await expectProblem(res, 415)).detail).toBe('send the request body uncompressed: Content-Encoding "gzip" is not supported');
    // Nothing ran.
    expect(await (await runner.api('/api/runs?pipeline=echo')).json()).toEqual([]);
    const identity = await runner.api('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'identity' }, body: JSON.stringify({ pipeline: 'echo', inputs: { question: 'hi' } }) });
    expect(identity.status).toBe(201);
  });

  it('415 for a body that is not application/json, saying what to send', async () => {
    const res = await runner.api('/api/pipelines', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(echoPipeline('x')) });
    expect((await expectProblem(res, 415)).detail).toBe('send the request body as JSON with "Content-Type: application/json" (it was "text/plain")');
    const form = await runner.api('/api/runs', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'pipeline=echo' });
    expect((await expectProblem(form, 415)).detail).toContain('application/x-www-form-urlencoded');
  });

  it('413 for a body over the limit: 5 MB by default, configurable', async () => {
    const big = JSON.stringify({ ...echoPipeline('big'), description: 'x'.repeat(5 * 1024 * 1024) });
    await expectProblem(await runner.api('/api/pipelines', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big }), 413);
    const justUnder = JSON.stringify({ ...echoPipeline('under'), description: 'x'.repeat(4 * 1024 * 1024) });
    expect((await runner.api('/api/pipelines', { method: 'POST', headers: { 'content-type': 'application/json' }, body: justUnder })).status).toBe(201);

    const small = await startTestRunner({ bodyLimitBytes: 1024 });
    try {
      const res = await small.post('/api/pipelines', { ...echoPipeline('small'), description: 'x'.repeat(2000) });
      expect((await expectProblem(res, 413)).detail).toMatch(/1024 bytes/);
      expect((await small.post('/api/pipelines', echoPipeline('small'))).status).toBe(201);
    } finally {
      await small.close();
    }
  });

  it('431 for a URL over the HTTP parser limit, refused before the app, still problem+json with the reason', async () => {
    const body = await expectProblem(await runner.api(`/api/pipelines/${'x'.repeat(20_000)}`), 431);
    expect(body.detail).toMatch(/over the limit of 16 KB/);
    // The connection closes after it; the next request is served as usual.
    expect((await runner.api('/api/pipelines/echo')).status).toBe(200);
  });

  it("431 under /v1 is OpenAI's error shape, which the openai client reads, as every other /v1 answer is", async () => {
    const long = await runner.api(`/v1/chat/completions?x=${'x'.repeat(20_000)}`, { method: 'POST' });
    expect(long.status).toBe(431);
    expect(long.headers.get('content-type')).toBe('application/json');
    expect(await long.json()).toEqual({ error: { message: expect.stringMatching(/over the limit of 16 KB/), type: 'invalid_request_error', code: null, param: null } });
    // Headers over the limit (a cookie jar, a proxy's additions) through the SDK: its error carries the reason.
    const sdk = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0, defaultHeaders: { 'x-extra': 'y'.repeat(20_000) } });
    const refused = await sdk.models.list().then(() => undefined, (e) => e);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect(refused.status).toBe(431);
    expect(refused.error?.message).toMatch(/over the limit of 16 KB/);
    expect((await runner.api('/v1/models')).status).toBe(200);
  });

  it('a failure inside a handler is a 500 that says nothing of the internals', async () => {
    const body = await expectProblem(await runner.api('/api/test-only/explode'), 500);
    expect(JSON.stringify(body)).not.toContain('secret');
    // The details go to the server's log instead, for whoever runs it.
    expect(logged.some((line) => line.includes('GET /api/test-only/explode') && line.includes('internal detail'))).toBe(true);
  });
});

describe('property: random JSON to every POST route never gets a 5xx', () => {
  const valid = echoPipeline('prop');
  const anyJson = fc.jsonValue({ maxDepth: 4 });
  /** Near-misses reach past the first checks: the right keys with random or almost-valid values. */
  const documentish = fc.oneof(
    anyJson,
    fc.constant(valid),
    fc.record({ format: fc.oneof(fc.constant(valid.format), anyJson), name: fc.oneof(fc.constant('prop'), anyJson), nodes: fc.oneof(fc.constant(valid.nodes), anyJson), edges: fc.oneof(fc.constant(valid.edges), anyJson) }, { requiredKeys: [] }),
    fc.record({ format: fc.constant(valid.format), name: fc.constant('prop'), edges: fc.constant(valid.edges), nodes: fc.array(fc.record({ id: fc.string(), type: fc.constantFrom('input', 'llm', 'code', 'router', 'nope'), config: fc.dictionary(fc.string(), anyJson) })) }),
  );
  const slug = fc.oneof(fc.constantFrom('echo', 'prop', 'docs'), fc.stringMatching(/^[a-z0-9-]{1,12}$/));
  /** Keyed by the OpenAPI path; these reach deeper than the generic bodies the other POST routes get below. */
  const routes: { label: string; path: fc.Arbitrary<string>; body: fc.Arbitrary<unknown> }[] = [
    { label: '/api/pipelines', path: fc.constant('/api/pipelines'), body: documentish },
    {
      label: '/api/pipelines/{name}/versions',
      path: slug.map((s) => `/api/pipelines/${s}/versions`),
      body: fc.oneof(anyJson, fc.record({ document: documentish, message: anyJson, baseVersion: fc.oneof(fc.integer({ min: -2, max: 5 }), anyJson) }, { requiredKeys: [] })),
    },
    {
      label: '/api/runs',
      path: fc.constantFrom('/api/runs', '/api/runs?stream=true'),
      body: fc.oneof(
        anyJson,
        fc.record(
          { pipeline: fc.oneof(slug, anyJson), version: fc.oneof(fc.integer({ min: -1, max: 3 }), anyJson), document: documentish, inputs: fc.oneof(fc.dictionary(fc.constantFrom('question', 'x'), anyJson), anyJson) },
          { requiredKeys: [] },
        ),
      ),
    },
    { label: '/api/runs/{id}/cancel', path: fc.string().map((s) => `/api/runs/${encodeURIComponent(s || 'x')}/cancel`), body: anyJson },
    {
      label: '/api/node-types/{type}/ports',
      path: fc.constantFrom('template', 'llm', 'router', 'code', 'nope').map((t) => `/api/node-types/${t}/ports`),
      body: fc.oneof(anyJson, fc.record({ config: fc.dictionary(fc.constantFrom('template', 'prompt', 'routes', 'code', 'model'), anyJson) })),
    },
    {
      label: '/api/indexes/{name}/documents',
      path: slug.map((s) => `/api/indexes/${s}/documents`),
      body: fc.oneof(anyJson, fc.record({ documents: fc.array(fc.record({ text: fc.string(), source: fc.option(fc.string(), { nil: undefined }) }), { maxLength: 3 }), chunkSize: anyJson }, { requiredKeys: [] })),
    },
    {
      label: '/api/indexes/{name}/search',
      path: slug.map((s) => `/api/indexes/${s}/search`),
      body: fc.oneof(anyJson, fc.record({ query: fc.oneof(fc.string(), anyJson), topK: fc.oneof(fc.integer({ min: -1, max: 2000 }), anyJson), mode: fc.oneof(fc.constantFrom('keyword', 'hybrid', 'vector'), anyJson) }, { requiredKeys: [] })),
    },
  ];

  const neverA5xx = (path: fc.Arbitrary<string>, body: fc.Arbitrary<unknown>, numRuns: number) =>
    fc.assert(
      fc.asyncProperty(path, body, async (p, b) => {
        const res = await runner.post(p, b);
        const text = await res.text();
        if (res.status >= 500) throw new Error(`${res.status} for POST ${p} ${JSON.stringify(b).slice(0, 300)}: ${text}`);
        // The OpenAI-compatible routes answer in OpenAI's error shape instead.
        if (res.status >= 400 && p.startsWith('/v1/')) expect(typeof JSON.parse(text).error.message).toBe('string');
        else if (res.status >= 400) expect(res.headers.get('content-type')).toBe('application/problem+json');
      }),
      { numRuns },
    );

  for (const route of routes) {
    it(`POST ${route.label}`, () => neverA5xx(route.path, route.body, 60));
  }

  it('every other POST route /api/openapi.json describes (datasets, evals, and any added later)', async () => {
    const doc = await (await runner.api('/api/openapi.json')).json();
    const others = Object.entries(doc.paths as Record<string, any>).filter(([p, item]) => item.post && !routes.some((r) => r.label === p));
    expect(others.map(([p]) => p)).toEqual(expect.arrayContaining(['/api/datasets', '/api/evals', '/api/evals/{id}/cancel']));
    for (const [template, item] of others) {
      // Path parameters get slugs and junk; bodies get random JSON, or the body schema's own keys with random values.
      const params = [...template.matchAll(/\{(\w+)\}/g)].map(() => fc.oneof(slug, fc.string().map((x) => encodeURIComponent(x || 'x'))));
      const path = fc.tuple(...params).map((values) => values.reduce<string>((p, v) => p.replace(/\{\w+\}/, v), template));
      const ref: string | undefined = item.post.requestBody?.content?.['application/json']?.schema?.$ref;
      const keys = Object.keys(ref ? (doc.components.schemas[ref.split('/').pop()!]?.properties ?? {}) : {});
      const body = keys.length > 0 ? fc.oneof(anyJson, fc.record(Object.fromEntries(keys.map((k) => [k, anyJson])), { requiredKeys: [] })) : anyJson;
      await neverA5xx(path, body, 40);
    }
  });
});
