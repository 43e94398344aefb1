import { createModelService, createOfflineProvider, createOpenAICompatibleProvider, createSandbox } from '@patchbay/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import type { EvalCase } from '../src/dataset';
import { applyScorer } from '../src/scoring';
import { getScorerType, parseVerdict, type ScorerContext } from '../src/scorers/index';

const models = createModelService({
  offline: createOfflineProvider({
    scripted: [
      { match: 'OUTPUT:\\n(Paris)', reply: '{"score": 0.9, "pass": true, "reasoning": "names the capital"}' },
      { match: 'OUTPUT:\\nLyon', reply: 'The answer names the wrong city.\nFAIL' },
      { match: 'OUTPUT:\\nMaybe', reply: 'I am not sure what to say.' },
    ],
  }),
});
const ctx: ScorerContext = { models, sandbox: createSandbox() };
const run: { latencyMs: number; tokens: number | null; costUsd: number | null } = { latencyMs: 120, tokens: 50, costUsd: 0.002 };

/** Scores `value` with a scorer as a suite would declare it; params go through the type's schema (defaults). */
async function score(type: string, value: unknown, opts: { expected?: unknown; params?: Record<string, unknown>; threshold?: number; run?: typeof run; input?: unknown } = {}) {
  const def = getScorerType(type)!;
  const params = def.params.parse(opts.params ?? {}) as Record<string, unknown>;
  const c: EvalCase = { id: 'c1', input: opts.input ?? { question: 'Capital of France?' }, ...(opts.expected !== undefined ? { expected: opts.expected } : {}) };
  return applyScorer({ name: type, type, params, threshold: opts.threshold }, value, c, opts.run ?? run, ctx);
}

describe('exact', () => {
  it('trims by default and compares case-sensitively unless told', async () => {
    expect(await score('exact', '  Paris\n', { expected: 'Paris' })).toMatchObject({ score: 1, pass: true });
    expect(await score('exact', 'paris', { expected: 'Paris' })).toMatchObject({ score: 0, pass: false, reason: 'expected "Paris", got "paris"' });
    expect(await score('exact', 'paris', { expected: 'Paris', params: { ignoreCase: true } })).toMatchObject({ pass: true });
    expect(await score('exact', ' Paris', { expected: 'Paris', params: { trim: false } })).toMatchObject({ pass: false });
  });
  it('uses params.value over the case expected, and accepts any of a list', async () => {
    expect(await score('exact', 'Lyon', { expected: 'Paris', params: { value: 'Lyon' } })).toMatchObject({ pass: true });
    expect(await score('exact', '4', { expected: ['four', '4'] })).toMatchObject({ pass: true });
  });
  it('without any expected value is an error, not a pass', async () => {
    const r = await score('exact', 'Paris');
    expect(r.pass).toBe(false);
    expect(r.error).toMatch(/no "expected"/);
  });
});

describe('an expected value that every output would match', () => {
  it('an empty list or an empty text is an error, never a pass (contains, regex, retrieval-hit)', async () => {
    const docs = [{ id: 'kb-1', text: 'Returns are accepted.' }];
    const vacuous: Array<[string, unknown, unknown, Record<string, unknown>?]> = [
      ['contains', 'anything at all', [], { mode: 'all' }],
      ['contains', 'anything at all', []],
      ['contains', 'anything at all', ''],
      ['contains', 'anything at all', ['Paris', '']],
      ['regex', 'anything at all', ''],
      ['regex', 'anything at all', []],
      ['retrieval-hit', docs, [], { mode: 'all' }],
      ['retrieval-hit', docs, ''],
    ];
    for (const [type, value, expected, params] of vacuous) {
      const r = await score(type, value, { expected, params });
      expect(r, `${type} ${JSON.stringify(expected)} ${JSON.stringify(params ?? {})}`).toMatchObject({ score: 0, pass: false });
      expect(r.error, `${type} ${JSON.stringify(expected)}`).toMatch(/^the expected value is (an empty list|empty): every output would match it$/);
    }
    // The same suites still work with real values.
    expect(await score('contains', 'Paris, France', { expected: ['Paris', 'France'], params: { mode: 'all' } })).toMatchObject({ pass: true });
    expect(await score('regex', 'x', { params: { pattern: 'x' } })).toMatchObject({ pass: true });
  });
});

describe('contains', () => {
  it('one value, any of a list, all of a list', async () => {
    expect(await score('contains', 'The capital is Paris.', { expected: 'Paris' })).toMatchObject({ pass: true, score: 1 });
    expect(await score('contains', 'The capital is Paris.', { expected: 'paris' })).toMatchObject({ pass: false });
    expect(await score('contains', 'The capital is Paris.', { expected: 'paris', params: { ignoreCase: true } })).toMatchObject({ pass: true });
    expect(await score('contains', 'Paris, France', { params: { value: ['Lyon', 'Paris'] } })).toMatchObject({ pass: true });
    const all = await score('contains', 'Paris, France', { params: { value: ['Paris', 'Europe'], mode: 'all' } });
    expect(all).toMatchObject({ pass: false, score: 0.5 });
    expect(all.reason).toContain('"Europe"');
  });
});

describe('regex', () => {
  it('scores a catastrophically backtracking pattern on text built to trip it without holding the thread', async () => {
    // 2^40 backtracking steps on V8's default engine: this never returns without the linear-time fallback.
    expect(await score('regex', `${'a'.repeat(40)}!`, { params: { pattern: '(a+)+$' } })).toMatchObject({ score: 0, pass: false });
    expect(await score('regex', `${'ab '.repeat(30)}?`, { params: { pattern: '^(\\w+\\s?)*$' } })).toMatchObject({ pass: false });
    expect(await score('regex', 'a'.repeat(40), { params: { pattern: '(a+)+$' } })).toMatchObject({ pass: true });
  });

  it('with the flags V8 cannot run on its linear-time engine (i, u, d), and in a JSON Schema pattern, still does not hold the thread', async () => {
    // 2^27 backtracking steps: seconds on V8's default engine (more letters would hang the test run itself).
    const trap = `${'a'.repeat(27)}!`;
    const started = Date.now();
    for (const flags of ['i', 'u', 'd', 'iu']) {
      expect(await score('regex', trap, { params: { pattern: '(a+)+$', flags } }), flags).toMatchObject({ score: 0, pass: false });
      expect(await score('regex', 'A'.repeat(27), { params: { pattern: '(a+)+$', flags } }), flags).toMatchObject({ pass: flags.includes('i') });
    }
    const schema = { type: 'string', pattern: '^(a+)+$' };
    expect(await score('json-schema', JSON.stringify(trap), { params: { schema } })).toMatchObject({ score: 0, pass: false });
    expect(await score('json-schema', JSON.stringify('a'.repeat(27)), { params: { schema } })).toMatchObject({ pass: true });
    expect(Date.now() - started).toBeLessThan(1500);
    // A captureless lookbehind runs on RE2 too; a lookahead or a backreference, which no linear-time engine runs,
    // is refused: at load in params, as the case's error when the case gives it.
    expect(await score('regex', 'Price: 10 EUR', { params: { pattern: '(?<=price: )\\d+', flags: 'i' } })).toMatchObject({ pass: true });
    expect(await score('regex', 'Price: 10 EUR', { params: { pattern: '(?<!price: )\\b\\d+', flags: 'i' } })).toMatchObject({ pass: false });
    expect(getScorerType('regex')!.check!({ pattern: '\\d+(?= eur)', flags: 'i', negate: false })).toBe('pattern: the pattern /\\d+(?= eur)/ has a lookahead ((?=), which no linear-time engine runs and which can take minutes on some texts; write it without one');
    expect((await score('regex', 'abab', { expected: '^(ab)\\1$' })).error).toBe('the pattern /^(ab)\\1$/ has a backreference (\\1), which no linear-time engine runs and which can take minutes on some texts; write it without one');
    expect(getScorerType('json-schema')!.check!({ schema: { type: 'string', pattern: '^(\\w)-\\1$' } })).toBe('schema: invalid JSON Schema: the pattern /^(\\w)-\\1$/ has a backreference (\\1), which no linear-time engine runs and which can take minutes on some texts; write it without one');
    expect(await score('json-schema', JSON.stringify('é'), { params: { schema: { type: 'string', pattern: '^\\p{L}$' } } })).toMatchObject({ pass: true });
    // The flag v (set notation) has no linear-time engine here; y anchors at the start on RE2 as on V8.
    expect(getScorerType('regex')!.check!({ pattern: '[\\p{L}--[a-z]]', flags: 'v', negate: false })).toMatch(/^pattern: the pattern .* has the flag v, which no linear-time engine here runs; use u$/);
    for (const flags of ['y', 'iy']) {
      expect(await score('regex', 'ab', { params: { pattern: 'b', flags } }), flags).toMatchObject({ pass: false });
      expect(await score('regex', 'ba', { params: { pattern: 'B', flags } }), flags).toMatchObject({ pass: flags.includes('i') });
    }
  }, 120_000);

  it('matches params.pattern or the expected value; negate forbids', async () => {
    expect(await score('regex', 'Order #12345 shipped', { params: { pattern: '#\\d{5}\\b' } })).toMatchObject({ pass: true });
    expect(await score('regex', 'ORDER', { params: { pattern: '^order$', flags: 'i' } })).toMatchObject({ pass: true });
    expect(await score('regex', 'abc', { expected: '^a.c$' })).toMatchObject({ pass: true });
    expect(await score('regex', 'As an AI model, I…', { params: { pattern: 'as an ai', flags: 'i', negate: true } })).toMatchObject({ pass: false });
  });
  it('a bad pattern from the case is an error; in params it is refused at load', async () => {
    expect((await score('regex', 'x', { expected: '(' })).error).toMatch(/Invalid regular expression/);
    expect(getScorerType('regex')!.check!({ pattern: '(', negate: false })).toMatch(/^pattern: /);
  });
});

describe('json-valid, json-schema, json-equals', () => {
  it('json-valid: a string that parses or a structured value passes; prose fails', async () => {
    expect(await score('json-valid', '{"a": 1}')).toMatchObject({ pass: true });
    expect(await score('json-valid', { a: 1 })).toMatchObject({ pass: true });
    const bad = await score('json-valid', 'Sure! {"a": 1}');
    expect(bad.pass).toBe(false);
    expect(bad.reason).toMatch(/^not JSON/);
  });
  it('json-schema (ajv): reports where the value does not fit', async () => {
    const schema = { type: 'object', required: ['age'], properties: { age: { type: 'number' } } };
    expect(await score('json-schema', '{"age": 41}', { params: { schema } })).toMatchObject({ pass: true });
    const r = await score('json-schema', '{"age": "41"}', { params: { schema } });
    expect(r.pass).toBe(false);
    expect(r.reason).toContain('/age must be number');
    expect(await score('json-schema', { name: 'x' }, { expected: schema })).toMatchObject({ pass: false });
    expect(getScorerType('json-schema')!.check!({ schema: { type: 'nonsense' } })).toMatch(/invalid JSON Schema/);
  });
  it('json-equals: deep, key order free, and names the first difference', async () => {
    expect(await score('json-equals', '{"b": [1, 2], "a": {"x": null}}', { expected: { a: { x: null }, b: [1, 2] } })).toMatchObject({ pass: true });
    expect(await score('json-equals', { a: 1 }, { expected: '{"a": 1}' })).toMatchObject({ pass: true });
    const r = await score('json-equals', { a: { x: 2 }, b: [1] }, { expected: { a: { x: 1 }, b: [1] } });
    expect(r.pass).toBe(false);
    expect(r.reason).toContain('differs at $.a.x');
  });
});

describe('numeric', () => {
  it('reads the number in a text and allows a tolerance', async () => {
    expect(await score('numeric', 'It is about 1,200 km.', { expected: 1200 })).toMatchObject({ pass: true });
    expect(await score('numeric', '3.14159', { expected: '3.14', params: { tolerance: 0.01 } })).toMatchObject({ pass: true });
    expect(await score('numeric', '105', { expected: 100, params: { relative: 0.05 } })).toMatchObject({ pass: true });
    expect(await score('numeric', '106', { expected: 100, params: { relative: 0.05 } })).toMatchObject({ pass: false });
    expect(await score('numeric', 'no idea', { expected: 4 })).toMatchObject({ pass: false, reason: 'no number in "no idea"' });
  });
});

describe('levenshtein', () => {
  it('normalised similarity with a 0.8 pass mark unless a threshold is set', async () => {
    const r = await score('levenshtein', 'kitten', { expected: 'sitting' });
    expect(r.score).toBeCloseTo(1 - 3 / 7, 10);
    expect(r.pass).toBe(false);
    expect(await score('levenshtein', 'kitten', { expected: 'sitting', threshold: 0.5 })).toMatchObject({ pass: true });
    expect(await score('levenshtein', 'colour', { expected: 'color' })).toMatchObject({ pass: true });
  });
});

describe('embedding-similarity', () => {
  it('is 1 for the same text, lower for unrelated text (offline:hash by default)', async () => {
    const same = await score('embedding-similarity', 'the cat sat on the mat', { expected: 'the cat sat on the mat' });
    expect(same.score).toBeCloseTo(1, 6);
    expect(same.pass).toBe(true);
    const other = await score('embedding-similarity', 'quarterly revenue grew', { expected: 'the cat sat on the mat' });
    expect(other.score).toBeLessThan(0.5);
    expect(other.pass).toBe(false);
    expect(other.reason).toContain('offline:hash');
  });
});

describe('llm-judge', () => {
  const params = { rubric: 'Does the answer name the capital of France?', model: 'offline:scripted' };
  it('keeps the judge reasoning; JSON and PASS/FAIL verdicts', async () => {
    expect(await score('llm-judge', 'Paris', { params })).toEqual({ score: 0.9, pass: true, reason: 'names the capital' });
    expect(await score('llm-judge', 'Lyon', { params })).toEqual({ score: 0, pass: false, reason: 'The answer names the wrong city.' });
  });
  it('an unparseable verdict is an error, never a pass', async () => {
    const r = await score('llm-judge', 'Maybe', { params });
    expect(r.pass).toBe(false);
    expect(r.score).toBe(0);
    expect(r.error).toMatch(/judge offline:scripted: no verdict/);
  });
  it('verdict parser: fenced JSON, out-of-range scores and conflicting lines', () => {
    expect(parseVerdict('```json\n{"score": 1, "pass": true, "reasoning": "ok"}\n```')).toEqual({ score: 1, pass: true, reasoning: 'ok' });
    expect(parseVerdict('{"score": 7}')).toHaveProperty('error');
    expect(parseVerdict('PASS\nbut also\nFAIL')).toHaveProperty('error');
    expect(parseVerdict('reasons\n**PASS**')).toEqual({ score: 1, pass: true, reasoning: 'reasons' });
  });
  it('verdict parser: finds the JSON among prose and code with braces, and a long reply full of braces does not hold the thread', () => {
    // Braces in prose, in quoted code, and inside the verdict's own strings.
    const code = 'function f(x) { if (x) { return {a: 1}; } }';
    expect(parseVerdict(`Looking at \`${code}\` and {this}:\n{"score": 0.5, "pass": false, "reasoning": "a stray { and a \\"}\\" in text"} done}`))
      .toEqual({ score: 0.5, pass: false, reasoning: 'a stray { and a "}" in text' });
    expect(parseVerdict('{"outer": {"score": 1}}')).toHaveProperty('error'); // the first object is the verdict; it has no score
    // A judge quoting a long output (code, templates) before its verdict: 2,000 braced phrases took 74 s.
    const started = Date.now();
    expect(parseVerdict(`${'Consider {x} and {y}. '.repeat(2000)}\n{"score": 1, "pass": true, "reasoning": "ok"}`)).toEqual({ score: 1, pass: true, reasoning: 'ok' });
    expect(parseVerdict(`${'{"a": '.repeat(2000)}x${'}'.repeat(2000)}\nFAIL`)).toMatchObject({ pass: false });
    expect(parseVerdict(`${'{'.repeat(20_000)} no verdict`)).toHaveProperty('error');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('retrieval-hit', () => {
  const docs = [
    { id: 'kb-1', text: 'Returns are accepted within 30 days.', score: 2 },
    { id: 'kb-7', text: 'Shipping takes five days.', score: 1 },
  ];
  it('finds the expected id or passage and reports its rank', async () => {
    const r = await score('retrieval-hit', docs, { expected: 'kb-7' });
    expect(r).toMatchObject({ pass: true, score: 1 });
    expect(r.reason).toContain('at rank 2');
    expect(await score('retrieval-hit', docs, { expected: 'within 30 days' })).toMatchObject({ pass: true });
    expect(await score('retrieval-hit', docs, { expected: 'kb-7', params: { topK: 1 } })).toMatchObject({ pass: false });
    expect(await score('retrieval-hit', docs, { expected: ['kb-1', 'kb-9'], params: { mode: 'all' } })).toMatchObject({ pass: false, score: 0.5 });
    expect(await score('retrieval-hit', 'not documents', { expected: 'kb-1' })).toMatchObject({ pass: false });
  });
});

describe('budgets: latency, cost, tokens', () => {
  it('pass within budget; over budget scores budget ÷ actual', async () => {
    expect(await score('latency', undefined, { params: { maxMs: 200 } })).toMatchObject({ pass: true, score: 1 });
    expect(await score('latency', undefined, { params: { maxMs: 60 } })).toMatchObject({ pass: false, score: 0.5 });
    expect(await score('cost', undefined, { params: { maxUsd: 0.01 } })).toMatchObject({ pass: true });
    expect(await score('cost', undefined, { params: { maxUsd: 0.001 } })).toMatchObject({ pass: false, score: 0.5 });
    expect(await score('tokens', undefined, { params: { max: 100 } })).toMatchObject({ pass: true });
    expect(await score('tokens', undefined, { params: { max: 25 } })).toMatchObject({ pass: false, score: 0.5 });
  });
  it('an unknown cost or token count fails (it cannot be shown to be in budget)', async () => {
    const unknown = { latencyMs: 1, tokens: null, costUsd: null };
    expect(await score('cost', undefined, { params: { maxUsd: 1 }, run: unknown })).toMatchObject({ pass: false });
    expect(await score('tokens', undefined, { params: { max: 1000 }, run: unknown })).toMatchObject({ pass: false });
  });
});

describe('javascript', () => {
  it('runs a custom scorer in the sandbox: numbers, booleans and objects', async () => {
    expect(await score('javascript', 'Paris', { expected: 'Paris', params: { code: 'return value.output === value.expected' } })).toMatchObject({ pass: true, score: 1 });
    expect(await score('javascript', 'abcd', { params: { code: 'return value.output.length / 8' } })).toMatchObject({ score: 0.5, pass: false });
    expect(await score('javascript', 'x', { params: { code: 'return {score: 0.7, pass: true, reason: "ok " + value.id}' } })).toEqual({ score: 0.7, pass: true, reason: 'ok c1' });
  });
  it('a throw, an endless loop or a bad return is an error', async () => {
    expect((await score('javascript', 'x', { params: { code: 'throw new Error("boom")' } })).error).toMatch(/boom/);
    expect((await score('javascript', 'x', { params: { code: 'while (true) {}', timeoutMs: 100 } })).error).toBeTruthy();
    expect((await score('javascript', 'x', { params: { code: 'return 7' } })).error).toMatch(/not a score/);
  });
  it('a NaN or an infinite return is named as such, not as the null JSON would make of it', async () => {
    expect((await score('javascript', 'x', { params: { code: 'return 0 / 0' } })).error).toBe('javascript scorer returned NaN, not a score from 0 to 1');
    expect((await score('javascript', 'x', { params: { code: 'return -1 / 0' } })).error).toBe('javascript scorer returned -Infinity, not a score from 0 to 1');
    expect((await score('javascript', 'x', { params: { code: 'return null' } })).error).toMatch(/^javascript scorer returned null; expected/);
    expect((await score('javascript', 'x', { params: { code: 'return {nonFinite: "NaN"}' } })).error).toMatch(/must return \{score/);
    expect((await score('javascript', 'x', { params: { code: 'return Promise.resolve(1)' } })).error).toMatch(/the body returned a Promise/);
    expect((await score('javascript', 'x', { params: { code: 'return typeof process + typeof require' } })).error).toMatch(/returned "undefinedundefined"/);
  });
  it('a NaN or an infinite number inside what the body returns is named at its path in that return, not in the scorer\'s envelope', async () => {
    const hint = 'which JSON cannot hold: return null, a string or a finite number instead';
    expect((await score('javascript', 'x', { params: { code: 'return {score: 0 / 0}' } })).error).toBe(`javascript scorer: code failed: the body returned NaN at $.score, ${hint}`);
    expect((await score('javascript', 'x', { params: { code: 'return {score: 1, parts: [0.5, 1 / 0]}' } })).error).toBe(`javascript scorer: code failed: the body returned Infinity at $.parts[1], ${hint}`);
    expect((await score('javascript', 'x', { params: { code: 'return {score: 1, result: {"a b": -1 / 0}}' } })).error).toBe(`javascript scorer: code failed: the body returned -Infinity at $.result["a b"], ${hint}`);
    // A message of the body's own is its own, even one that reads like a path of the envelope.
    expect((await score('javascript', 'x', { params: { code: 'throw new Error("bad at $.result.score")' } })).error).toMatch(/bad at \$\.result\.score/);
  });
  it("a case's score does not depend on how many cases queue for the sandbox: waiting for a worker is not the code's time", async () => {
    // An eval scores up to `concurrency` cases at once; a 2-core machine has one sandbox worker.
    const sandbox = createSandbox({ workers: 1 });
    const one: ScorerContext = { models, sandbox };
    const def = getScorerType('javascript')!;
    // Each case's code runs 150 ms; the last of 12 waits 1,650 ms for the worker, past a timeoutMs of 1 s that
    // would count the wait. The code's own 150 ms leave 850 ms of it to a loaded machine (with 6 cases and 400 ms
    // they left 250 ms).
    const params = def.params.parse({ code: 'const t = Date.now(); while (Date.now() - t < 150) {} return true', timeoutMs: 1_000 }) as Record<string, unknown>;
    const spec = { name: 'busy', type: 'javascript', params };
    try {
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => applyScorer(spec, 'x', { id: `c${i}`, input: 'x' }, run, one)));
      expect(results.map((r) => r.error ?? r.pass)).toEqual(Array(12).fill(true));
    } finally {
      await sandbox.close();
    }
  }, 20_000);
});

describe('model-backed scorers with a model served over HTTP (an OpenAI-compatible stub)', () => {
  let stub: OpenAIStub;
  let httpCtx: ScorerContext;
  beforeAll(async () => {
    stub = await startOpenAIStub({
      handler: (req) => {
        if (req.path === '/v1/embeddings') {
          const first: string = req.body.input[0];
          // A misconfigured endpoint: vectors of two sizes (two models behind one name), or holes in a vector.
          if (first === 'mixed sizes') return { embeddings: [[1, 0, 0], [1, 0]] };
          if (first === 'holes') return { embeddings: [[1, null as unknown as number], [1, 0]] };
          return { embeddings: [[1, 0], [0.6, 0.8]] };
        }
        const prompt: string = req.body.messages.at(-1).content;
        return { text: prompt.includes('OUTPUT:\nParis') ? 'Looks right.\n{"score": 1, "pass": true, "reasoning": "Paris is the capital"}' : 'Hmm, hard to say.' };
      },
    });
    httpCtx = { models: createModelService({ stub: createOpenAICompatibleProvider({ name: 'stub', baseURL: stub.url, maxRetries: 0 }) }), sandbox: ctx.sandbox };
  });
  afterAll(async () => { await stub?.close(); });

  const scoreWith = (type: string, value: unknown, params: Record<string, unknown>, expected?: unknown) =>
    applyScorer({ name: type, type, params: getScorerType(type)!.params.parse(params) as Record<string, unknown> }, value, { id: 'c1', input: { question: 'Capital of France?' }, ...(expected !== undefined ? { expected } : {}) }, run, httpCtx);

  it('embedding-similarity: the cosine of the vectors the named embedding model returns', async () => {
    const r = await scoreWith('embedding-similarity', 'Paris', { model: 'stub:embedder' }, 'the capital of France');
    expect(r.score).toBeCloseTo(0.6, 10);
    expect(r.pass).toBe(false);
    expect(r.reason).toContain('stub:embedder');
    const sent = stub.requests.filter((q) => q.path === '/v1/embeddings').at(-1)!;
    expect(sent.body).toMatchObject({ model: 'embedder', input: ['Paris', 'the capital of France'] });
  });

  it('embedding-similarity: vectors of two sizes or with holes are an error, not a cosine of whatever overlaps', async () => {
    const mixed = await scoreWith('embedding-similarity', 'mixed sizes', { model: 'stub:embedder' }, 'x');
    expect(mixed).toMatchObject({ score: 0, pass: false, error: 'scorer "embedding-similarity": stub: embedder returned embeddings of 3 and 2 dimensions' });
    const holes = await scoreWith('embedding-similarity', 'holes', { model: 'stub:embedder' }, 'x');
    expect(holes).toMatchObject({ score: 0, pass: false, error: 'scorer "embedding-similarity": stub: embedder returned an embedding with a value that is not a number (input 1, position 2)' });
  });

  it('llm-judge: the judge model gets the rubric and the output; an unreadable reply is an error, not a pass', async () => {
    const params = { rubric: 'Names the capital of France', model: 'stub:judge' };
    expect(await scoreWith('llm-judge', 'Paris', params)).toEqual({ score: 1, pass: true, reason: 'Paris is the capital' });
    const asked = stub.requests.filter((q) => q.path === '/v1/chat/completions').at(-1)!;
    expect(asked.body.model).toBe('judge');
    expect(asked.body.messages.at(-1).content).toContain('RUBRIC:\nNames the capital of France');
    const vague = await scoreWith('llm-judge', 'Lyon', params);
    expect(vague).toMatchObject({ score: 0, pass: false });
    expect(vague.error).toMatch(/judge stub:judge: no verdict/);
  });
});
