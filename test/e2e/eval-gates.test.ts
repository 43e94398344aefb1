import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { qaPipeline, startEditorSession, type EditorSession } from './support/session';
import { finishedEval } from './support/settled';

// An eval whose suite sets gates reports each gate's verdict (patchbay eval prints them, GET /api/evals/ID has them
// as `gates`); the Evals view showed the scores and cases and not one word of the gates.
let session: EditorSession;
let page: Page;
const evals: { v1?: string; v2?: string } = {};

const CITIES = ['paris', 'rome', 'oslo', 'bern', 'lima', 'kyiv', 'doha', 'riga'];
const CASES = [
  { id: 'n1', input: { question: 'what is 42' }, expected: '42' },
  { id: 'n2', input: { question: 'say nothing' }, expected: 'zebra' },
  ...CITIES.map((city, i) => ({ id: `c${i + 1}`, input: { question: `tell me about ${city}` }, expected: city })),
];
const suite = { scorers: [{ name: 'mentions', type: 'contains' }], gate: { failOn: 'regression', minPassRate: 0.5, maxDrop: { mentions: 0.1 } } };

beforeAll(async () => {
  session = await startEditorSession({
    seed: async (api) => {
      await api('POST', '/api/pipelines', qaPipeline('{{ question }}'));
      await api('POST', '/api/pipelines/qa/versions', { document: qaPipeline('{{ question | upcase }}'), message: 'shout', baseVersion: 1 });
      await api('POST', '/api/datasets', { name: 'cities', cases: CASES });
      evals.v1 = await finishedEval(api, { pipeline: 'qa', version: 1, dataset: 'cities', suite });
      evals.v2 = await finishedEval(api, { pipeline: 'qa', version: 2, dataset: 'cities', suite, baseline: evals.v1 });
    },
  });
  ({ page } = session);
});
afterAll(() => session?.close());

const gateLines = async () => page.getByTestId('eval-gates').locator('li').allTextContents();

describe("an eval's gates in the Evals view", () => {
  it('shows each gate with its verdict and why, in the words patchbay eval uses', async () => {
    await page.goto(`${session.server.url}/pipelines/qa/evals?eval=${evals.v2}`);
    await page.getByTestId('eval-gates').waitFor();
    expect(await page.getByTestId('eval-gates-verdict').textContent()).toBe('3 of 3 gates fail.');
    expect(await gateLines()).toEqual([
      'fails: fail-on regression — 8 cases regressed: c1, c2, c3, c4, c5, c6, c7, c8',
      'fails: min-pass-rate 0.5 — pass rate 10.0% (1/10) < 50.0%',
      expect.stringMatching(/^fails: max-drop mentions=0\.1 — mean -0\.8000 \(p = 0\.0078, .+\): dropped by more than 0\.1$/),
    ]);
  });

  it('says why a gate that compares was skipped, and which gates passed', async () => {
    await page.goto(`${session.server.url}/pipelines/qa/evals?eval=${evals.v1}`);
    await page.getByTestId('eval-gates').waitFor();
    expect(await page.getByTestId('eval-gates-verdict').textContent()).toBe('Every gate that applies passes (2 skipped).');
    expect(await gateLines()).toEqual([
      'skipped: fail-on regression — this eval had no baseline, so there is nothing to compare with',
      'passes: min-pass-rate 0.5 — pass rate 90.0% (9/10) ≥ 50.0%',
      'skipped: max-drop mentions=0.1 — this eval had no baseline, so there is nothing to compare with',
    ]);
  });
});
