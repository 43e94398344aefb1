// A new user's path through the New eval form on the seeded demo: the demo's suite
// (with each scorer's expected key) reproduces the seeded figures, and the baseline
// is chosen by rule (a label's version, else the previous version) and can be picked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { seedDemo } from '../../apps/runner/src/demo/seed-demo';
import { launchChromium } from './support/browser';
import { startEditorServer } from './support/runner';

let server: Awaited<ReturnType<typeof startEditorServer>>;
let browser: Browser;
let page: Page;
const seeded = new Map<number, any>();

beforeAll(async () => {
  server = await startEditorServer({ seed: async (dataDir) => expect(await seedDemo(dataDir, { env: {} })).toMatchObject({ seeded: true }) });
  for (const e of await server.api('GET', '/api/evals?pipeline=support-assistant')) seeded.set(e.version, e);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the New eval form on the demo', () => {
  it("starts from the demo's saved suite, expected keys filled in, and reproduces the seeded v2 figures", async () => {
    await page.goto(`${server.url}/pipelines/support-assistant/evals`);
    const form = page.getByTestId('eval-form');
    await expect.poll(() => form.getByTestId('eval-suite-load').inputValue()).toBe('support-assistant');
    await expect.poll(() => form.getByTestId('scorer-expected-key-0').inputValue()).toBe('answer');
    await expect.poll(() => form.getByTestId('scorer-expected-key-1').inputValue()).toBe('doc');

    await form.getByTestId('eval-version').selectOption('2');
    // The demo deploys v3 to production: the baseline is the latest eval of what is deployed.
    expect((await server.api('GET', '/api/pipelines/support-assistant/labels')).labels.production.version).toBe(3);
    await expect.poll(() => form.getByTestId('eval-baseline').inputValue()).toBe(seeded.get(3).id);
    await form.getByTestId('run-eval').click();

    await expect.poll(async () => (await server.api('GET', '/api/evals?pipeline=support-assistant')).length, { timeout: 60_000 }).toBe(4);
    const mine = (await server.api('GET', '/api/evals?pipeline=support-assistant')).find((e: any) => !Array.from(seeded.values()).some((s) => s.id === e.id));
    await expect.poll(async () => (await server.api('GET', `/api/evals/${mine.id}`)).status, { timeout: 120_000 }).toBe('succeeded');
    const result = await server.api('GET', `/api/evals/${mine.id}`);
    const v2 = await server.api('GET', `/api/evals/${seeded.get(2).id}`);
    expect(result.baseline).toBe(seeded.get(3).id);
    expect(result.summary.passed).toBe(v2.summary.passed);
    expect(result.summary.scorers.answer.mean).toBe(v2.summary.scorers.answer.mean);
    expect(result.summary.scorers['found-doc'].mean).toBe(v2.summary.scorers['found-doc'].mean);
    expect(result.summary.passed).toBeGreaterThan(0);
  });

  it('drops a refusal once the version or dataset it was about is changed', async () => {
    await page.goto(`${server.url}/pipelines/support-assistant/evals`);
    const form = page.getByTestId('eval-form');
    await expect.poll(() => form.getByTestId('eval-suite-load').inputValue()).toBe('support-assistant');
    // support-triage's cases give "questions", which support-assistant does not take
    await form.getByTestId('eval-dataset').selectOption('support-triage');
    await form.getByTestId('run-eval').click();
    await expect.poll(() => form.getByTestId('eval-form-error').textContent()).toMatch(/^dataset "support-triage": /);
    await form.getByTestId('eval-dataset').selectOption('support-assistant');
    await form.getByTestId('eval-form-error').waitFor({ state: 'detached' });
    await form.getByTestId('eval-dataset').selectOption('support-triage');
    await form.getByTestId('run-eval').click();
    await form.getByTestId('eval-form-error').waitFor();
    await form.getByTestId('eval-version').selectOption('1');
    await form.getByTestId('eval-form-error').waitFor({ state: 'detached' });
  });

  it('defaults the baseline to the labelled version, lets the user pick another, and saves a suite by name', async () => {
    await server.api('PUT', '/api/pipelines/support-assistant/labels/production', { version: 1 });
    await page.goto(`${server.url}/pipelines/support-assistant/evals`);
    const form = page.getByTestId('eval-form');
    await form.getByTestId('eval-version').selectOption('3');
    // production holds v1: its latest eval is the default, not v2's.
    await expect.poll(() => form.getByTestId('eval-baseline').inputValue()).toBe(seeded.get(1).id);
    await form.getByTestId('eval-baseline').selectOption(seeded.get(2).id);
    expect(await form.getByTestId('eval-baseline').inputValue()).toBe(seeded.get(2).id);

    await form.getByTestId('eval-suite-name').fill('answers-only');
    await form.getByTestId('scorer-1').getByRole('button', { name: 'Remove' }).click();
    await form.getByTestId('save-suite').click();
    await expect.poll(() => form.getByTestId('eval-form-notice').textContent()).toBe('Saved the suite "answers-only".');
    const saved = await server.api('GET', '/api/suites/answers-only');
    expect(saved.suite.scorers).toHaveLength(1);
    expect(saved.suite.scorers[0]).toMatchObject({ name: 'answer', type: 'contains', target: 'answer', expectedKey: 'answer', params: { mode: 'any' } });
  });

  // A dataset made from production runs (monitoring.md, "From production to tests") is named "prod" here, before
  // "support-assistant": the form opened on it, the first in the list, whenever the list of datasets came back
  // before the eval history, so Run eval no longer reproduced the seeded figures and the baseline was none.
  it('opens on the dataset of the latest eval, not the first in the list, whichever answer comes first', async () => {
    await server.api('POST', '/api/datasets', { name: 'prod', cases: [{ id: 'run-1', input: { question: 'Where is my order 1002?' } }] });
    expect((await server.api('GET', '/api/datasets')).map((d: { name: string }) => d.name)[0]).toBe('prod');
    for (let i = 0; i < 3; i++) {
      await page.goto(`${server.url}/pipelines/support-assistant/evals`);
      const form = page.getByTestId('eval-form');
      await expect.poll(() => form.getByTestId('eval-suite-load').inputValue()).toBe('support-assistant');
      await expect.poll(() => form.getByTestId('eval-dataset').inputValue()).toBe('support-assistant');
      await expect.poll(() => form.getByTestId('eval-baseline').inputValue()).not.toBe('');
    }
  });
});
