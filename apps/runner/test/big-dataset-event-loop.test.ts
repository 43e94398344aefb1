import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';

// "Nothing holds the event loop": a 4.8 MB dataset (60,000 cases) was parsed and checked on the loop's
// thread, ~160 ms in one piece for POST /api/datasets, ~100 ms for each POST /api/evals on it.

const CASES = Array.from({ length: 60_000 }, (_, i) => ({ id: `case-${i}`, input: { question: `capital of ${i}?` }, expected: `c${i}` }));
const LAST = `$.cases[${CASES.length - 1}]`;

let runner: TestRunner;
let secretRunner: TestRunner;
const SECRET = 'sk-test-0123456789abcdef';

beforeAll(async () => {
  runner = await startTestRunner();
  secretRunner = await startTestRunner({ env: { OPENAI_API_KEY: SECRET } });
  expect((await runner.post('/api/pipelines', echoPipeline('qa'))).status).toBe(201);
});
afterAll(async () => {
  await runner?.close();
  await secretRunner?.close();
});

/** A body encoded once, up front: the client's own JSON.stringify is not the loop's time under test. */
const bytes = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));
const postBytes = (r: TestRunner, path: string, body: Uint8Array<ArrayBuffer>) => fetch(r.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

/**
 * `request` while a 0 ms timer ticks on this thread, which the runner under test shares: the longest the
 * event loop went without a turn, against how long the request took. Measured against the request's own
 * length, not in milliseconds: a slower machine stretches both. The best of `tries` (a busy machine
 * only lengthens gaps), so a stray pause of this process does not decide it.
 */
async function heldShare(request: () => Promise<Response>, expectStatus: number, tries = 3): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < tries; i++) {
    let last = performance.now();
    let longest = 0;
    let ticking = true;
    const tick = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      if (ticking) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const start = performance.now();
    const res = await request();
    await res.arrayBuffer();
    const took = performance.now() - start;
    ticking = false;
    longest = Math.max(longest, performance.now() - last);
    expect(res.status).toBe(expectStatus);
    best = Math.min(best, longest / took);
  }
  return best;
}

describe('a 60,000-case dataset', () => {
  it('is refused at its JSON path without the body being parsed on the event loop', async () => {
    const cases = [...CASES.slice(0, -1), { ...CASES.at(-1)!, input: JSON.parse('{"__proto__": {"x": 1}}') }];
    const body = bytes({ name: 'bad', cases });
    const res = await postBytes(runner, '/api/datasets', body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect(await res.json()).toMatchObject({ type: 'urn:patchbay:problem:forbidden-key', errors: [{ path: `${LAST}.input` }] });
    // Parsed and checked on the loop's thread, the whole request after the body was read was one turn (held ≈ 0.8 of it).
    expect(await heldShare(() => postBytes(runner, '/api/datasets', body), 400)).toBeLessThan(0.5);
  });

  it('is stored as sent, the same version as the same cases as JSONL', async () => {
    const res = await postBytes(runner, '/api/datasets', bytes({ name: 'big', cases: CASES }));
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: 'big', caseCount: CASES.length });
    const stored = await (await runner.api('/api/datasets/big')).json();
    expect(stored.cases).toEqual(CASES);
    // Half of them (the JSONL, escaped in a JSON string, would be past the 5 MB limit), as cases and as one long string.
    const half = CASES.slice(0, CASES.length / 2);
    const inline = await postBytes(runner, '/api/datasets', bytes({ name: 'half', cases: half }));
    expect(inline.status).toBe(201);
    const jsonl = await postBytes(runner, '/api/datasets', bytes({ name: 'half', format: 'jsonl', content: half.map((c) => JSON.stringify(c)).join('\n') }));
    expect(jsonl.status).toBe(200);
    expect((await jsonl.json()).hash).toBe((await inline.json()).hash);
  });

  it('starts no eval with the stored cases parsed on the event loop', async () => {
    // An unknown scorer is refused after the dataset was read: the request is the read, and the refusal.
    const body = bytes({ pipeline: 'qa', dataset: 'big', suite: { scorers: [{ name: 'm', type: 'no-such-scorer' }] } });
    const start = () => postBytes(runner, '/api/evals', body);
    const res = await start();
    const problem = await res.json();
    expect(res.status).toBe(400);
    expect(problem).toMatchObject({ type: 'urn:patchbay:problem:invalid-suite', errors: [{ path: '$.suite.scorers[0].type' }] });
    // Parsed on the loop's thread, reading the dataset back was one turn of ~0.9 of the request.
    expect(await heldShare(start, 400)).toBeLessThan(0.5);
  });

  it('holding a secret is refused at its JSON path', async () => {
    const cases = [...CASES.slice(0, -1), { ...CASES.at(-1)!, expected: `the key is ${SECRET}` }];
    const res = await postBytes(secretRunner, '/api/datasets', bytes({ name: 'leaky', cases }));
    expect(res.status).toBe(400);
    const problem = await res.json();
    expect(problem).toMatchObject({ type: 'urn:patchbay:problem:secret-in-document', errors: [{ path: `${LAST}.expected` }] });
    expect(JSON.stringify(problem)).not.toContain(SECRET);
  });
});
