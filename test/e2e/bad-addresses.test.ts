// An address with a query that names nothing (a typo, an old or hand-edited link): the page says
// so in one line and keeps the address as given, never a blank page, a spinner for ever, or
// another eval or version shown silently in place of the one asked for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { qaPipeline, startEditorSession, type EditorSession } from './support/session';
import { finishedEval } from './support/settled';

let session: EditorSession;
let page: Page;
const evals: string[] = [];

beforeAll(async () => {
  session = await startEditorSession({
    seed: async (api) => {
      await api('POST', '/api/pipelines', qaPipeline('{{ question }}'));
      await api('POST', '/api/pipelines/qa/versions', { document: qaPipeline('{{ question | upcase }}'), message: 'shout', baseVersion: 1 });
      await api('POST', '/api/datasets', { name: 'two', cases: [{ id: 'a', input: { question: 'paris' }, expected: 'paris' }, { id: 'b', input: { question: 'rome' }, expected: 'rome' }] });
      const of = (version: number) => finishedEval(api, { pipeline: 'qa', version, dataset: 'two', suite: { scorers: [{ name: 'mentions', type: 'contains' }] } });
      evals.push(await of(1), await of(2));
    },
  });
  page = session.page;
});
afterAll(() => session?.close());

/** The compare view's one error line once the page has settled, and the address it settled on. */
async function compareError(query: string) {
  await page.goto(`${session.server.url}/pipelines/qa/compare?${query}`);
  const line = page.getByTestId('compare-error');
  await line.waitFor();
  await page.waitForLoadState('networkidle');
  return { error: await line.textContent(), lines: await page.locator('.error-text').count(), query: new URL(page.url()).search.slice(1) };
}

describe('the compare view with a bad query', () => {
  it('names an unknown A and keeps it in the address, rather than comparing another eval', async () => {
    const shown = await compareError('a=nope');
    expect(shown.error).toBe('there is no eval "nope" (query.a)');
    expect(shown.lines).toBe(1);
    expect(new URLSearchParams(shown.query).get('a')).toBe('nope');
    expect(await page.getByTestId('scorer-table').count()).toBe(0);
  });

  it('names an unknown B and keeps it in the address', async () => {
    const shown = await compareError('b=nope');
    expect(shown.error).toBe('there is no eval "nope" (query.b)');
    expect(new URLSearchParams(shown.query).get('b')).toBe('nope');
    expect(await page.getByTestId('scorer-table').count()).toBe(0);
  });

  it('names an unknown pair, and an id too long to be one, by its place in the query', async () => {
    expect((await compareError('a=nope&b=nope2')).error).toMatch(/^there is no eval "nope2?" \(query\.[ab]\)$/);
    const long = 'x'.repeat(150);
    const shown = await compareError(`a=${long}&b=${evals[1]}`);
    expect(shown.error).toContain('query.a');
    expect(shown.error).not.toContain('\n');
  });

  it('still compares a good pair after a bad one', async () => {
    await page.goto(`${session.server.url}/pipelines/qa/compare?a=${evals[0]}&b=${evals[1]}`);
    await page.getByTestId('scorer-row-mentions').waitFor();
    expect(await page.getByTestId('compare-error').count()).toBe(0);
  });
});

describe('the canvas with a bad version in its address', () => {
  for (const [query, message] of [
    ['version=abc', 'version must be a whole number from 1 (the address has version=abc)'],
    ['version=0', 'version must be a whole number from 1 (the address has version=0)'],
    ['version=1.5', 'version must be a whole number from 1 (the address has version=1.5)'],
    ['diff=a..b', 'diff must be two version numbers, as diff=1..2 (the address has diff=a..b)'],
    ['diff=1..', 'diff must be two version numbers, as diff=1..2 (the address has diff=1..)'],
    ['diff=1..99', 'pipeline "qa" has no version 99 (latest is 2)'],
  ]) {
    it(`?${query} says so in one line instead of showing the latest version`, async () => {
      await page.goto(`${session.server.url}/pipelines/qa?${query}`);
      await page.getByTestId('page-error').waitFor();
      expect(await page.locator('.error-text').allTextContents()).toEqual([message]);
      expect(await page.getByTestId('editor').count()).toBe(0);
    });
  }

  it('offers the latest version from there', async () => {
    await page.goto(`${session.server.url}/pipelines/qa?version=abc`);
    await page.getByRole('button', { name: 'Open the latest version' }).click();
    await page.getByTestId('editor').waitFor();
    expect(new URL(page.url()).search).toBe('');
  });
});
