import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Response } from 'playwright-core';
import { qaPipeline, startEditorSession, type EditorSession } from './support/session';
import { settled } from './support/settled';

// The New eval form reads the chosen dataset for the keys of its cases' expected objects (each scorer's expected
// key is filled from them). Read whole, a dataset of 200 cases with 20 KB inputs was 4 MB; the form reads it with
// ?cut=100, its values cut and its keys kept.
const N = 200;
const question = (i: number) => `case ${i} ${'word '.repeat(4_000)}end`;
const CASES = Array.from({ length: N }, (_, i) => ({ id: `c${i}`, input: { question: question(i) }, expected: { reply: `Reply to case ${i}: ${'we are sorry. '.repeat(20)}`, ticket: `T-${i}` } }));

let session: EditorSession;
let page: Page;

beforeAll(async () => {
  session = await startEditorSession({
    seed: async (api) => {
      await api('POST', '/api/pipelines', qaPipeline('{{ question }}'));
      await api('POST', '/api/datasets', { name: 'long', cases: CASES });
    },
  });
  page = session.page;
});
afterAll(() => session?.close());

/** The size of each answer of a GET /api/datasets/long read while the page opens. */
function datasetReads(): { url: string; bytes: number }[] {
  const reads: { url: string; bytes: number }[] = [];
  page.on('response', (response: Response) => {
    if (new URL(response.url()).pathname !== '/api/datasets/long') return;
    void response.body().then((body) => reads.push({ url: response.url(), bytes: body.length }), () => {});
  });
  return reads;
}

describe('the New eval form on a dataset of long cases', () => {
  it("reads the dataset cut, fills the expected key from its cases' keys, and runs the eval", async () => {
    const reads = datasetReads();
    await page.goto(`${session.server.url}/pipelines/qa/evals`);
    const form = page.getByTestId('eval-form');
    // The cases' expected objects are {reply, ticket}: no scorer target is named so, so the first key.
    await expect.poll(() => form.getByTestId('scorer-expected-key-0').inputValue()).toBe('reply');
    await expect.poll(() => reads.map((r) => new URL(r.url).search)).toEqual(['?cut=100']);
    // 4 MB read whole.
    expect(reads[0].bytes).toBeLessThan(200_000);

    await form.getByTestId('run-eval').click();
    await expect.poll(async () => (await session.api('GET', '/api/evals?pipeline=qa')).length).toBe(1);
    const [started] = await session.api('GET', '/api/evals?pipeline=qa');
    await settled(session.api, `/api/evals/${started.id}`);
    const result = await session.api('GET', `/api/evals/${started.id}?cut=100`);
    expect(result).toMatchObject({ status: 'succeeded', summary: { cases: N } });
    expect(result.scorers[0]).toMatchObject({ expectedKey: 'reply' });
  });
});
