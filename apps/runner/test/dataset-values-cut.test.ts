import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRunner, type TestRunner } from './support/test-runner';

// GET /api/datasets/:name gives every case whole: 200 cases of 20 KB inputs are 4 MB, which the editor's New eval
// form read to learn the keys of the cases' expected objects. ?cut=N gives each input field and expected field
// longer than N characters as the runs' placeholder; the version read without it (?hash=) has them whole.
const LONG = (i: number) => `case ${i} ${'word '.repeat(4_000)}end`;
const CASES = [
  ...[0, 1, 2].map((i) => ({ id: `c${i}`, input: { question: LONG(i), lang: 'en' }, expected: { answer: LONG(i).toUpperCase(), doc: `doc-${i}` }, tags: ['long'] })),
  { id: 'plain', input: 'a plain input', expected: LONG(9), metadata: { from: 'hand' } },
  { id: 'short', input: { question: 'hello' }, expected: 'hello' },
];

let runner: TestRunner;
let whole: string;

beforeAll(async () => {
  runner = await startTestRunner();
  expect((await runner.post('/api/datasets', { name: 'long', cases: CASES })).status).toBe(201);
  whole = await (await runner.api('/api/datasets/long')).text();
}, 30_000);
afterAll(() => runner?.close());

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const placeholder = (value: unknown, n: number) => {
  const text = JSON.stringify(value);
  const shown = typeof value === 'string' ? value : text;
  return { $patchbayCut: { hash: sha256(text), type: typeof value === 'string' ? 'string' : 'json', chars: shown.length, preview: shown.slice(0, n) } };
};

describe('GET /api/datasets/:name?cut=N', () => {
  it('answers without the cut as before: every case whole', async () => {
    const dataset = JSON.parse(whole);
    expect(dataset).toMatchObject({ name: 'long', caseCount: 5 });
    expect(dataset.cases).toEqual(CASES);
    expect(whole.length).toBeGreaterThan(100_000);
  });

  it('gives each long input and expected field as a placeholder, keeping the fields and everything else', async () => {
    const res = await runner.api('/api/datasets/long?cut=100');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.length).toBeLessThan(3_000);
    const dataset = JSON.parse(text);
    const { cases: _cases, ...version } = JSON.parse(whole);
    expect(dataset).toEqual({
      ...version,
      cases: [
        ...[0, 1, 2].map((i) => ({ id: `c${i}`, input: { question: placeholder(LONG(i), 100), lang: 'en' }, expected: { answer: placeholder(LONG(i).toUpperCase(), 100), doc: `doc-${i}` }, tags: ['long'] })),
        { id: 'plain', input: 'a plain input', expected: placeholder(LONG(9), 100), metadata: { from: 'hand' } },
        { id: 'short', input: { question: 'hello' }, expected: 'hello' },
      ],
    });
    // The version the answer names, read without the cut, has each value whole: the one the placeholder's hash is of.
    const named = await (await runner.api(`/api/datasets/long?hash=${dataset.hash}`)).json();
    expect(sha256(JSON.stringify(named.cases[1].input.question))).toBe(dataset.cases[1].input.question.$patchbayCut.hash);
    expect((await (await runner.api(`/api/datasets/long?hash=${dataset.hash}&cut=100`)).json()).cases).toEqual(dataset.cases);
  });

  it('cuts a case field shaped like a placeholder (a dataset made from Patchbay\'s own answers), so a reader never takes it for a cut', async () => {
    const lookAlike = { $patchbayCut: { hash: sha256('"not this case\'s value"'), type: 'string', chars: 22, preview: 'not this case' } };
    const cases = [
      { id: 'expected', input: { question: 'hi' }, expected: lookAlike },
      { id: 'input', input: lookAlike },
    ];
    expect((await runner.post('/api/datasets', { name: 'look-alike', cases })).status).toBe(201);
    const dataset = await (await runner.api('/api/datasets/look-alike?cut=100')).json();
    expect(dataset.cases).toEqual([
      { id: 'expected', input: { question: 'hi' }, expected: placeholder(lookAlike, 100) },
      { id: 'input', input: placeholder(lookAlike, 100) },
    ]);
    expect(dataset.cases[0].expected.$patchbayCut.hash).not.toBe(lookAlike.$patchbayCut.hash);
  });

  it('refuses a cut that is no whole number of at least 1, naming the parameter', async () => {
    for (const bad of ['0', 'x', '1.5']) {
      const res = await runner.api(`/api/datasets/long?cut=${bad}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain('cut');
    }
  });
});
