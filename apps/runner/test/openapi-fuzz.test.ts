import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoPipeline, startTestRunner, waitForRun, type TestRunner } from './support/test-runner';

/**
 * Every operation /api/openapi.json lists, fuzzed with fast-check: path and
 * query parameters and bodies that are malformed, deep (5,000 levels), huge,
 * unicode or of the wrong type. No answer may be a 5xx, none may take longer
 * than REQUEST_TIMEOUT_MS, every 4xx is problem+json with a reason, and the
 * runner is healthy after. The seed is fixed (PATCHBAY_FUZZ_SEED to change it;
 * fast-check prints seed and path on a failure, to replay it).
 */
const SEED = Number(process.env.PATCHBAY_FUZZ_SEED ?? 20261202);
const RUNS_PER_OPERATION = Number(process.env.PATCHBAY_FUZZ_RUNS ?? 60);
// A hang never ends; 30 s leaves room for a busy CI machine.
const REQUEST_TIMEOUT_MS = 30_000;

let runner: TestRunner;
let doc: { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, any> } };
/** Values that exist, so some requests get past the 404s. */
const known: Record<string, string[]> = { name: ['echo'], pipeline: ['echo'], dataset: ['cases'], id: [], ref: ['echo', 'echo@v1', 'echo@production'], label: ['production'], type: ['llm', 'template', 'code'], n: ['1'] };

beforeAll(async () => {
  runner = await startTestRunner();
  expect((await runner.post('/api/pipelines', echoPipeline('echo'))).status).toBe(201);
  const { id } = await (await runner.post('/api/runs', { pipeline: 'echo', inputs: { question: 'hi' } })).json();
  await waitForRun(runner, id);
  known.id.push(id);
  expect((await runner.post('/api/datasets', { name: 'cases', cases: [{ id: 'a', input: { question: 'x' }, expected: 'x' }] })).status).toBe(201);
  known.name.push('cases');
  const res = await fetch(`${runner.url}/api/openapi.json`);
  expect(res.status).toBe(200);
  doc = await res.json();
});
afterAll(() => runner?.close());

const deepText = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const deepObjectText = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const unicode = fc.string({ unit: 'binary', maxLength: 40 }); // lone surrogates, NUL, RTL marks…
const scalarJunk = fc.oneof(
  unicode,
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', ' ', '-1', '0', '1e309', 'NaN', 'null', 'true', '99999999999999999999999', '1.5', '../../etc/passwd', '%00', 'a'.repeat(300), '<script>', "'; DROP TABLE runs; --"),
  fc.integer().map(String),
  fc.double().map(String),
);
/** A parameter value as text, before URL encoding: what exists, junk, or huge. */
const parameterText = (name: string) =>
  fc.oneof({ weight: 3, arbitrary: known[name]?.length ? fc.constantFrom(...known[name]) : fc.constant('echo') }, { weight: 4, arbitrary: scalarJunk }, { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => 'x'.repeat(n)) });

const anyJson = fc.jsonValue({ maxDepth: 4 });
const wrongTyped = fc.oneof(fc.constant(null), fc.integer(), fc.double(), fc.boolean(), unicode, fc.array(anyJson, { maxLength: 3 }), fc.string({ maxLength: 5 }).map((s) => ({ [s]: s })));

const resolve = (schema: any): any => (schema?.$ref ? doc.components?.schemas?.[String(schema.$ref).split('/').pop()!] : schema) ?? {};
/** The JSON schema of an operation's body, its `$ref` followed. */
const bodySchema = (op: any): any => resolve(op.requestBody?.content?.['application/json']?.schema);

/** Stands for a value 5,000 levels deep; replaced in the body's text (JSON.stringify itself would overflow on it). */
const DEEP = '__deep-5000__';
const junkValue = fc.oneof(wrongTyped, fc.constant(DEEP), fc.integer({ min: 10_000, max: 300_000 }).map((n) => '\u202e'.repeat(n)));

/**
 * Values that follow the operation's own schema (so requests get past the first
 * checks and reach the handlers), with any value here and there replaced by junk:
 * a wrong type, a deep value, a huge one.
 */
function fromSchema(schema: any, key = '', depth = 0): fc.Arbitrary<unknown> {
  const valid = depth > 6 ? anyJson : validFrom(resolve(schema), key, depth);
  return fc.oneof({ weight: 30, arbitrary: valid }, { weight: 1, arbitrary: junkValue });
}

function validFrom(s: any, key: string, depth: number): fc.Arbitrary<unknown> {
  const mixKnown = (a: fc.Arbitrary<unknown>) => (known[key]?.length ? fc.oneof(fc.constantFrom(...known[key]), a) : a);
  if (s.enum) return fc.constantFrom(...s.enum);
  if ('const' in s) return fc.constant(s.const);
  if (s.allOf) return validFrom(resolve(s.allOf[0]), key, depth);
  if (s.anyOf || s.oneOf) return fc.oneof(...(s.anyOf ?? s.oneOf).map((x: any) => validFrom(resolve(x), key, depth + 1)));
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  switch (type) {
    case 'string':
      return mixKnown(s.pattern === '^[a-z0-9-]+$' ? fc.constantFrom('echo', 'cases', 'fuzz-1') : fc.oneof(fc.constantFrom('echo', 'question', 'x'), unicode));
    case 'integer':
      return mixKnown(fc.integer({ min: s.minimum ?? -5, max: Math.min(s.maximum ?? 1_000, (s.minimum ?? 0) + 1_000) }));
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(fromSchema(s.items ?? {}, key, depth + 1), { maxLength: 3 });
    case 'object': {
      const props = Object.entries<any>(s.properties ?? {});
      if (props.length === 0) return fc.dictionary(fc.constantFrom('question', 'q', 'value', 'x'), fromSchema(s.additionalProperties ?? {}, '', depth + 1), { maxKeys: 3 });
      return fc.record(Object.fromEntries(props.map(([k, v]) => [k, fromSchema(v, k, depth + 1)])), { requiredKeys: (s.required ?? []).filter((k: string) => s.properties?.[k]) });
    }
    default:
      return anyJson;
  }
}

/** A body as the text sent: near-misses of the schema (its keys, wrong or random values), random JSON, deep, huge, or no JSON at all. */
function bodyText(op: any, operation: string): fc.Arbitrary<string | undefined> {
  const keys = Object.keys(bodySchema(op)?.properties ?? {});
  const nearMiss = keys.length
    ? fc.record(Object.fromEntries(keys.map((k) => [k, fc.oneof(wrongTyped, anyJson, known[k]?.length ? fc.constantFrom(...known[k]) : fc.constant('echo'))])), { requiredKeys: [] }).map((b) => JSON.stringify(b))
    : anyJson.map((b) => JSON.stringify(b));
  const example = examples[operation];
  const followsSchema = (example === undefined ? fromSchema(bodySchema(op)) : fc.oneof(mutated(example), fromSchema(bodySchema(op)))).map((b) =>
    (JSON.stringify(b) ?? 'null').replaceAll(`"${DEEP}"`, deepText(5_000)),
  );
  return fc.oneof(
    { weight: 8, arbitrary: followsSchema },
    { weight: 3, arbitrary: nearMiss },
    { weight: 2, arbitrary: anyJson.map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: wrongTyped.map((b) => JSON.stringify(b)) },
    // Deep values: a whole body, or under each of the schema's keys.
    { weight: 1, arbitrary: fc.constantFrom(deepText(5_000), deepObjectText(5_000), ...keys.slice(0, 4).map((k) => `{${JSON.stringify(k)}:${deepText(5_000)}}`)) },
    // Huge values: a long string under a key, a wide array.
    { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 2_000_000 }).map((n) => JSON.stringify({ [keys[0] ?? 'x']: 'é'.repeat(n / 2) })) },
    { weight: 1, arbitrary: fc.constant(JSON.stringify(Array.from({ length: 50_000 }, (_, i) => i))) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', 'nul', '\u0000', '{"a":1}{"b":2}', '', '\uFEFF{}') },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

interface Request {
  method: string;
  url: string;
  body?: string;
}

/** Bodies that work, by operation: mutated one value at a time they reach past validation into the handlers. */
const examples: Record<string, unknown> = {
  'post /api/pipelines': echoPipeline('fuzzed'),
  'post /api/pipelines/{name}/versions': { document: echoPipeline('echo'), baseVersion: 1, message: 'fuzz' },
  'post /api/runs': { pipeline: 'echo', inputs: { question: 'hi' } },
  'post /api/pipelines/{name}/run': { inputs: { question: 'hi' } },
  'post /v1/chat/completions': { model: 'echo', messages: [{ role: 'user', content: 'hi' }] },
  'post /api/datasets': { name: 'fuzzed', cases: [{ id: 'a', input: { question: 'x' }, expected: 'x' }] },
  'post /api/evals': { pipeline: 'echo', dataset: 'cases', scorers: [{ name: 's', type: 'contains' }] },
  'post /api/indexes/{name}/documents': { documents: [{ text: 'hello world', source: 'a.md' }] },
  'post /api/indexes/{name}/search': { query: 'hello', topK: 3, mode: 'keyword' },
};

/** Every path to a value in `value` (objects and arrays included), breadth first, at most 60. */
function valuePaths(value: unknown): (string | number)[][] {
  const out: (string | number)[][] = [];
  const queue: [unknown, (string | number)[]][] = [[value, []]];
  while (queue.length > 0 && out.length < 60) {
    const [v, at] = queue.shift()!;
    if (at.length > 0) out.push(at);
    if (v && typeof v === 'object') for (const [k, child] of Object.entries(v)) queue.push([child, [...at, Array.isArray(v) ? Number(k) : k]]);
  }
  return out;
}

function mutated(example: unknown): fc.Arbitrary<unknown> {
  const paths = valuePaths(example);
  return fc.oneof(
    fc.constant(example),
    fc.tuple(fc.constantFrom(...paths), fc.oneof(junkValue, anyJson, unicode, fc.constant(undefined))).map(([at, v]) => {
      const copy = structuredClone(example) as any;
      at.slice(0, -1).reduce((o, k) => o[k], copy)[at[at.length - 1]] = v;
      return copy;
    }),
  );
}

/** A query parameter: mostly what its schema allows (so the operation runs), else junk. */
const queryValue = (p: any): fc.Arbitrary<string> =>
  fc.oneof({ weight: 3, arbitrary: validFrom(resolve(p.schema), p.name, 0).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')) }, { weight: 1, arbitrary: parameterText(p.name) });

function requestFor(method: string, template: string, op: any): fc.Arbitrary<Request> {
  const params: any[] = op.parameters ?? [];
  const pathParams = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  const query = params.filter((p) => p.in === 'query');
  const path = fc.tuple(...pathParams.map((name) => parameterText(name))).map((values) => values.reduce((p, v, i) => p.replace(`{${pathParams[i]}}`, encodeURIComponent(v)), template));
  const search = fc
    .tuple(...query.map((p) => fc.option(queryValue(p), { nil: undefined, freq: 2 })), fc.option(fc.tuple(unicode, unicode), { nil: undefined, freq: 4 }))
    .map((values) => {
      const extra = values.pop() as [string, string] | undefined;
      const qs = new URLSearchParams();
      values.forEach((v, i) => v !== undefined && qs.append(query[i].name, v as string));
      if (extra) qs.append(extra[0] || 'x', extra[1]);
      const text = qs.toString();
      return text ? `?${text}` : '';
    });
  const body = op.requestBody ? bodyText(op, `${method} ${template}`) : fc.constant(undefined);
  return fc.record({ path, search, body }).map(({ path, search, body }) => {
    const req: Request = { method: method.toUpperCase(), url: path + search, body };
    // A counterexample prints short: huge values are cut.
    return Object.assign(req, { [fc.toStringMethod]: () => `${req.method} ${cut(req.url)} ${cut(req.body ?? '')}` });
  });
}

async function send(req: Request) {
  const res = await fetch(runner.url + req.url, {
    method: req.method,
    headers: req.body === undefined ? {} : { 'content-type': 'application/json' },
    body: req.body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  }).catch((err) => {
    throw new Error(`${req.method} ${cut(req.url)}: no answer within ${REQUEST_TIMEOUT_MS} ms (${(err as Error).name})`);
  });
  const type = res.headers.get('content-type') ?? '';
  // A stream (SSE) is not read to its end: that it answered is enough.
  const text = type.startsWith('text/event-stream') ? (await res.body?.cancel(), '') : await res.text();
  return { res, type, text };
}

const cut = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…(${text.length} chars)` : text);
const said = (req: Request, status: number, text: string) => `${status} for ${req.method} ${cut(req.url)} ${cut(req.body ?? '')}: ${cut(text)}`;

describe('fuzz: every operation of /api/openapi.json', () => {
  it('lists the operations it fuzzes', () => {
    const operations = Object.values(doc.paths).flatMap((item) => Object.keys(item));
    expect(operations.length).toBeGreaterThan(40);
  });

  // Deletions last, so the other operations meet the pipeline that exists.
  const operations = () =>
    Object.entries(doc.paths)
      .flatMap(([template, item]) => Object.entries(item).map(([method, op]) => ({ template, method, op })))
      .sort((a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'));

  it('never answers 5xx nor hangs, and every 4xx is problem+json with a reason', async () => {
    for (const { template, method, op } of operations()) {
      await fc.assert(
        fc.asyncProperty(requestFor(method, template, op), async (req) => {
          const { res, type, text } = await send(req);
          if (res.status >= 500) throw new Error(said(req, res.status, text));
          if (res.status < 400) return;
          if (req.url.startsWith('/v1/')) {
            // The OpenAI-compatible routes answer in OpenAI's error shape, which OpenAI clients read.
            expect(typeof JSON.parse(text).error?.message, said(req, res.status, text)).toBe('string');
            return;
          }
          expect(type, said(req, res.status, text)).toBe('application/problem+json');
          const problem = JSON.parse(text);
          expect(problem.status, said(req, res.status, text)).toBe(res.status);
          expect(String(problem.detail ?? problem.title ?? '').length, said(req, res.status, text)).toBeGreaterThan(0);
          // One plain line: nothing quoted back breaks it, and zod's own wording ("Too big: expected string to have <=100 characters") never shows.
          expect(String(problem.detail), said(req, res.status, text)).not.toMatch(/[\u0000-\u001f\u007f\u2028\u2029]/);
          expect(String(problem.detail), said(req, res.status, text)).not.toMatch(/\b(Invalid input|Invalid option|Too big: |Too small: |Unrecognized keys?: )/);
          // A problem that lists field errors names the first one's path in its detail: whole, or for a path past
          // 8 levels (a body nested too deep) its head and tail with the count between (shownJsonPath).
          if (problem.errors?.length) {
            const path = String(problem.errors[0].path);
            const shown = /(\$\S*)…\((\d+) more levels\)…(\S*?)(?:[,;:)]|$)/.exec(String(problem.detail));
            if (shown) expect(path.startsWith(shown[1]) && path.endsWith(shown[3]), said(req, res.status, text)).toBe(true);
            else expect(String(problem.detail), said(req, res.status, text)).toContain(path);
          }
        }),
        { seed: SEED, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      );
    }
    const health = await fetch(`${runner.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
  }, 300_000);
});
