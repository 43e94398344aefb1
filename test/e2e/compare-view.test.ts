import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@patchbay/runner';
import { startOpenAIStub } from '../support/openai-stub';
import { qaPipeline, startEditorSession, type EditorSession } from './support/session';
import { finishedEval } from './support/settled';

let session: EditorSession;
let server: EditorSession['server'];
let page: Page;
const evals: { v1?: string; v2?: string } = {};

// First in the dataset: one case that passes either way (a number) and one that fails in both;
// then eight that regress when v2 shouts, enough for the paired test to call it.
const CITIES = ['paris', 'rome', 'oslo', 'bern', 'lima', 'kyiv', 'doha', 'riga'];
const CASES = [
  { id: 'n1', input: { question: 'what is 42' }, expected: '42' },
  { id: 'n2', input: { question: 'say nothing' }, expected: 'zebra' },
  ...CITIES.map((city, i) => ({ id: `c${i + 1}`, input: { question: `tell me about ${city}` }, expected: city })),
];

const evalOf = (api: EditorSession['api'], version: number, baseline?: string) =>
  finishedEval(api, { pipeline: 'qa', version, dataset: 'cities', suite: { scorers: [{ name: 'mentions', type: 'contains' }] }, ...(baseline ? { baseline } : {}) });

beforeAll(async () => {
  session = await startEditorSession({
    seed: async (api) => {
      await api('POST', '/api/pipelines', qaPipeline('{{ question }}'));
      await api('POST', '/api/pipelines/qa/versions', { document: qaPipeline('{{ question | upcase }}'), message: 'shout', baseVersion: 1 });
      await api('POST', '/api/datasets', { name: 'cities', cases: CASES });
      evals.v1 = await evalOf(api, 1);
      evals.v2 = await evalOf(api, 2, evals.v1);
    },
  });
  ({ server, page } = session);
});
afterAll(() => session?.close());

describe('the compare view', () => {
  it('is reached from the canvas, picks the baseline from the history and says which version is worse', async () => {
    await page.goto(`${server.url}/pipelines/qa`);
    await page.getByTestId('view-evals').click();
    await page.getByTestId(`eval-row-${evals.v2}`).waitFor();
    await page.getByTestId('tab-compare').click();

    // B is the newest eval, A the baseline it ran against.
    const row = page.getByTestId('scorer-row-mentions');
    await row.waitFor();
    expect(await page.getByTestId('compare-a').inputValue()).toBe(evals.v1);
    expect(await page.getByTestId('compare-b').inputValue()).toBe(evals.v2);
    expect(new URL(page.url()).searchParams.get('a')).toBe(evals.v1);

    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(0, 4)).toEqual(['mentions', '0.90', '0.10', '−0.80']);
    // Eight discordant pairs, all one way: p = 2 × 0.5^8 = 0.0078.
    expect(cells.slice(5, 8)).toEqual(['0.008', 'exact McNemar', '10']);
    expect(await page.getByTestId('verdict-mentions').textContent()).toMatch(/^B is worse on mentions: −0\.80 \(95% CI −\d\.\d\d…−\d\.\d\d\), p = 0\.008, exact McNemar$/);
  });

  it('lists the regressed case first, with a diff of the two outputs', async () => {
    const rows = page.getByTestId('case-compare-table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(10);
    const order = await rows.evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-testid')}:${tr.getAttribute('data-change')}`));
    expect(order.slice(0, 8)).toEqual(CITIES.map((_, i) => `compare-case-c${i + 1}:regressed`));
    expect(order.slice(8).sort()).toEqual(['compare-case-n1:unchanged', 'compare-case-n2:unchanged']);
    const diff = rows.first().getByTestId('text-diff');
    expect(await diff.locator('del').allTextContents()).toContain('tell me about paris');
    expect(await diff.locator('ins').allTextContents()).toContain('TELL ME ABOUT PARIS');
  });

  it('charts the means of both evals with their intervals', async () => {
    const chart = page.getByTestId('means-chart');
    await chart.locator('.recharts-bar-rectangle').first().waitFor();
    expect(await chart.locator('.recharts-bar-rectangle').count()).toBe(2);
    expect(await chart.locator('.recharts-errorBar').count()).toBeGreaterThan(0);
  });

  it("opens a case's trace on the canvas", async () => {
    await page.getByTestId('trace-B-c1').click();
    await expect.poll(() => page.getByTestId('editor').getAttribute('data-mode')).toBe('run');
    expect(new URL(page.url()).searchParams.get('run')).toBeTruthy();
    await page.getByTestId('node-answer').waitFor();
  });
});

describe('the evals view', () => {
  it('runs an eval of the chosen version, dataset and scorer, and shows each case with its score', async () => {
    await page.goto(`${server.url}/pipelines/qa/evals`);
    await page.getByTestId('eval-version').selectOption('1');
    await page.getByTestId('eval-dataset').selectOption('cities');
    await page.getByTestId('scorer-type-0').selectOption('exact');
    await page.getByTestId('run-eval').click();

    await expect.poll(() => new URL(page.url()).searchParams.get('eval')).toBeTruthy();
    const table = page.getByTestId('results-table');
    await table.waitFor();
    expect(await page.getByTestId('eval-status').textContent()).toBe('succeeded');
    expect(await table.locator('tbody tr').count()).toBe(10);
    // offline:echo answers with the question, which is never exactly the expected word.
    expect(await page.getByTestId('score-c1-exact').textContent()).toBe('✗ 0.00');
    expect(await page.getByTestId('case-row-c1').locator('td').nth(2).textContent()).toBe('tell me about paris');
    expect(await page.getByTestId('eval-history').locator('tbody tr').count()).toBe(3);
  });

  it('says why an eval cannot start', async () => {
    await page.getByTestId('scorer-editor').locator('input[list="scorer-targets"]').fill('nowhere');
    await page.getByTestId('run-eval').click();
    await expect.poll(() => page.getByTestId('eval-form-error').textContent()).toContain('target "nowhere" is not an output');
  });
});

describe('a running eval in the browser', () => {
  it('shows live progress as cases finish, Cancel keeps the finished ones, and Resume runs the rest', async () => {
    // Each reply of the stub model waits until the test releases it, so progress needs no timing.
    const gates: Array<() => void> = [];
    const stub = await startOpenAIStub({ handler: async (req) => {
      await new Promise<void>((resolve) => gates.push(resolve));
      return { text: `stub ${req.body.messages.at(-1).content}` };
    } });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-e2e-'));
    const slow = await startServer({ port: 0, dataDir, quiet: true, env: { PATH: process.env.PATH, STUB_BASE_URL: stub.url } });
    const post = (p: string, body: unknown) => fetch(slow.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    try {
      const doc = qaPipeline('{{ question }}');
      (doc.nodes[1].config as { model: string }).model = 'stub:model';
      await post('/api/pipelines', doc);
      await post('/api/datasets', { name: 'five', cases: [1, 2, 3, 4, 5].map((i) => ({ id: `q${i}`, input: { question: `q${i}` }, expected: `q${i}` })) });
      await page.goto(`${slow.url}/pipelines/qa/evals`);
      await page.getByTestId('eval-dataset').selectOption('five');
      await page.locator('#eval-concurrency').fill('1');
      await page.getByTestId('run-eval').click();

      const progress = page.getByTestId('eval-progress');
      await progress.waitFor();
      expect(await progress.textContent()).toContain('0 / 5');
      for (let done = 1; done <= 2; done++) {
        await expect.poll(() => gates.length).toBe(done);
        gates[done - 1]();
        await expect.poll(() => progress.textContent()).toContain(`${done} / 5 · ${done} passed · 0 failed`);
      }
      await page.getByTestId('cancel-eval').click();
      await expect.poll(() => page.getByTestId('eval-status').textContent()).toBe('cancelled');
      const rows = page.getByTestId('results-table').locator('tbody tr');
      expect(await rows.count()).toBe(2);
      expect(await page.getByTestId('case-row-q1').locator('td').nth(2).textContent()).toBe('stub q1');

      // Resume: q1 and q2 are kept (replayed into the count) while q3 waits for its reply; then q3 to q5 run.
      await page.getByTestId('resume-eval').click();
      await expect.poll(() => page.getByTestId('eval-progress').textContent()).toContain('2 / 5 · 2 passed');
      await expect
        .poll(async () => {
          for (const release of gates.splice(0)) release();
          return page.getByTestId('eval-status').textContent();
        }, { timeout: 15_000 })
        .toBe('succeeded');
      expect(await page.getByTestId('results-table').locator('tbody tr').count()).toBe(5);
      expect(await page.getByTestId('case-row-q5').locator('td').nth(2).textContent()).toBe('stub q5');
      expect(await page.getByTestId('resume-eval').count()).toBe(0);
    } finally {
      for (const release of gates) release();
      await slow.close();
      await stub.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
