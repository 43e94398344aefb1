import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Response } from 'playwright-core';
import { qaPipeline, startEditorSession, type EditorSession } from './support/session';
import { finishedEval } from './support/settled';

// An eval's cases can answer long (here 200 cases of ~80 KB each). Read whole, the Evals view's result was 20 MB
// and the Compare view read two such (40 MB), then diffed 10,000 characters of each pair word by word: 1.8 s to
// open the result, 106 s the comparison. The editor reads evals with ?cut=10000; a case's trace has the whole.
const N = 200;
const question = (i: number) => `case ${i} ${'word '.repeat(4_000)}end`;
// The prompt says the question four times: ~80 KB out of a ~20 KB input (the dataset is one request of 5 MB at most).
const repeat = (expr: string) => `{% for i in (1..4) %}{{ ${expr} }} {% endfor %}`;
const answer = (i: number) => `${question(i)} `.repeat(4);
const CASES = Array.from({ length: N }, (_, i) => ({ id: `c${i}`, input: { question: question(i) }, expected: `case ${i}` }));

let session: EditorSession;
let page: Page;
const evals: { v1?: string; v2?: string } = {};
const count = (n: number) => n.toLocaleString('en-US');

beforeAll(async () => {
  session = await startEditorSession({
    seed: async (api) => {
      await api('POST', '/api/pipelines', qaPipeline(repeat('question')));
      await api('POST', '/api/pipelines/qa/versions', { document: qaPipeline(repeat('question | upcase')), message: 'shout', baseVersion: 1 });
      await api('POST', '/api/datasets', { name: 'long', cases: CASES });
      const run = (version: number, baseline?: string) =>
        finishedEval(api, { pipeline: 'qa', version, dataset: 'long', suite: { scorers: [{ name: 'mentions', type: 'contains' }] }, ...(baseline ? { baseline } : {}) });
      evals.v1 = await run(1);
      evals.v2 = await run(2, evals.v1);
    },
  });
  page = session.page;
});
afterAll(() => session?.close());

/** The size of each answer of an /api/evals/… read while the page opens. */
function evalReads(): { url: string; bytes: number }[] {
  const reads: { url: string; bytes: number }[] = [];
  page.on('response', (response: Response) => {
    if (!new URL(response.url()).pathname.startsWith('/api/evals/')) return;
    void response.body().then((body) => reads.push({ url: response.url(), bytes: body.length }), () => {});
  });
  return reads;
}

describe('an eval whose cases answer long', () => {
  it('opens its result with each output cut, and the case trace has the whole output', async () => {
    const reads = evalReads();
    await page.goto(`${session.server.url}/pipelines/qa/evals?eval=${evals.v2}`);
    await page.getByTestId(`case-row-c${N - 1}`).waitFor();
    await expect.poll(() => reads.map((r) => new URL(r.url).search)).toEqual(['?cut=10000']);
    // 20 MB read whole.
    expect(reads[0].bytes).toBeLessThan(5_000_000);
    const row = page.getByTestId('case-row-c7');
    const cells = await row.locator('td').allTextContents();
    expect(cells[1]).toBe(`${question(7).slice(0, 199)}…`);
    const whole = answer(7).toUpperCase();
    expect(await page.getByTestId('output-cut-c7').textContent()).toBe(`Showing the first 10,000 of ${count(whole.length)} characters. Its trace has the whole.`);
    expect(cells[2].startsWith(whole.slice(0, 10_000))).toBe(true);

    await page.getByTestId('trace-c7').click();
    const cut = page.getByTestId('run-output-answer-cut');
    await cut.waitFor();
    expect(await cut.textContent()).toBe(`Showing the first 10,000 of ${count(whole.length)} characters. Download all`);
    const [download] = await Promise.all([page.waitForEvent('download'), cut.getByRole('button', { name: 'Download all' }).click()]);
    expect(fs.readFileSync((await download.path())!, 'utf8')).toBe(whole);
  });

  it('compares the two evals case by case, each read cut', async () => {
    const reads = evalReads();
    await page.goto(`${session.server.url}/pipelines/qa/compare?a=${evals.v1}&b=${evals.v2}`);
    const rows = page.getByTestId('case-compare-table').locator('tbody tr');
    await rows.nth(N - 1).waitFor();
    expect(await rows.count()).toBe(N);
    await expect.poll(() => reads.map((r) => new URL(r.url).search)).toEqual(['?cut=10000', '?cut=10000']);
    expect(Math.max(...reads.map((r) => r.bytes))).toBeLessThan(5_000_000);
    // Every output changed (upcased): the diff shows what A said struck and what B says.
    const diff = page.getByTestId('compare-case-c3').getByTestId('text-diff');
    expect((await diff.locator('del').allTextContents()).join('')).toContain(answer(3).slice(0, 100));
    expect((await diff.locator('ins').allTextContents()).join('')).toContain(answer(3).toUpperCase().slice(0, 100));
  });
});
