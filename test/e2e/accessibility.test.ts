// The axe-core sweep over every view of the editor, in light and dark mode (support/axe.ts):
// no critical or serious violation, one main landmark and an h1 per view, table headers with text.
// A view added later (deploy, monitoring) gets one more `expectAccessible` call here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { PipelineDocument } from '@patchbay/core';
import { launchChromium } from './support/browser';
import { expectAccessible } from './support/axe';
import { selectNode } from './support/canvas';
import { startEditorServer } from './support/runner';
import { finishedEval, settled } from './support/settled';

let server: Awaited<ReturnType<typeof startEditorServer>>;
let browser: Browser;
let page: Page;
let runId: string;
const evals: string[] = [];

/** question → search-free answer (offline:echo) with a router and a transform, so cards of several kinds are on screen. */
function qa(prompt: string): PipelineDocument {
  return {
    format: 'patchbay.pipeline/v1',
    name: 'qa',
    nodes: [
      { id: 'question', type: 'input', position: { x: 0, y: 60 }, config: { name: 'question', valueType: 'string' } },
      { id: 'route', type: 'router', position: { x: 260, y: 0 }, config: { routes: [{ port: 'long', when: '$length($) > 200' }] } },
      { id: 'answer', type: 'llm', position: { x: 520, y: 60 }, config: { model: 'offline:echo', prompt } },
      { id: 'result', type: 'output', position: { x: 780, y: 60 }, config: { name: 'answer' } },
    ],
    edges: [
      { from: 'question.value', to: 'route.value' },
      { from: 'route.default', to: 'answer.question' },
      { from: 'answer.text', to: 'result.value' },
    ],
  };
}


beforeAll(async () => {
  server = await startEditorServer();
  await server.api('POST', '/api/pipelines', qa('Question: {{ question }}'));
  await server.api('POST', '/api/pipelines/qa/versions', { document: qa('Answer briefly. {{ question | upcase }}'), message: 'shout', baseVersion: 1 });
  runId = (await server.api('POST', '/api/runs', { pipeline: 'qa', version: 2, inputs: { question: 'where is paris' } })).id;
  await settled(server.api, `/api/runs/${runId}`);
  await server.api('POST', '/api/datasets', { name: 'cities', cases: ['paris', 'rome', 'oslo'].map((city, i) => ({ id: `c${i}`, input: { question: `tell me about ${city}` }, expected: city })) });
  for (const version of [1, 2]) {
    evals.push(await finishedEval(server.api, { pipeline: 'qa', version, dataset: 'cities', suite: { scorers: [{ name: 'mentions', type: 'contains' }] }, ...(evals[0] ? { baseline: evals[0] } : {}) }));
  }
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('every view passes axe-core in light and dark mode', () => {
  it('the pipeline list', async () => {
    await page.goto(server.url);
    await page.getByTestId('pipeline-row-qa').waitFor();
    await expectAccessible(page, 'pipeline list');
  });

  it('the editor, with a node in the inspector', async () => {
    await page.goto(`${server.url}/pipelines/qa`);
    await page.getByTestId('node-answer').waitFor();
    await selectNode(page, 'answer');
    await expectAccessible(page, 'editor');
    for (const tab of ['run', 'runs', 'versions']) {
      await page.getByTestId(`tab-${tab}`).click();
      await page.waitForLoadState('networkidle');
      await expectAccessible(page, `editor, ${tab} tab`);
    }
    await page.getByTestId('card-detail-toggle').click();
    await expectAccessible(page, 'editor, compact cards');
    await page.getByTestId('card-detail-toggle').click();
    await page.getByTestId('help-button').click();
    await page.getByTestId('help-dialog').waitFor();
    await expectAccessible(page, 'shortcuts dialog');
    await page.keyboard.press('Escape');
    await page.getByTestId('save-button').click();
    await page.getByTestId('save-message').waitFor();
    await expectAccessible(page, 'save dialog');
    await page.keyboard.press('Escape');
  });

  it('the run view', async () => {
    await page.goto(`${server.url}/pipelines/qa?run=${runId}`);
    await page.getByTestId('node-chip-answer').waitFor();
    await expectAccessible(page, 'run view');
  });

  it('the diff view', async () => {
    await page.goto(`${server.url}/pipelines/qa?diff=1..2`);
    await expect.poll(() => page.getByTestId('editor').getAttribute('data-mode')).toBe('diff');
    await page.getByTestId('node-answer').waitFor();
    await expectAccessible(page, 'diff view');
  });

  it('the evals view, with a result', async () => {
    await page.goto(`${server.url}/pipelines/qa/evals?eval=${evals[1]}`);
    await page.getByTestId(`eval-row-${evals[1]}`).waitFor();
    await page.getByTestId('eval-summary').waitFor();
    await page.locator('.dataset-upload summary').click();
    await expectAccessible(page, 'evals');
  });

  it('the monitoring view, with the runs of a step', async () => {
    await page.goto(`${server.url}/pipelines/qa/monitoring`);
    await page.getByTestId('chart-point').first().click();
    await page.getByTestId('bucket-runs').locator('.run-row').first().waitFor();
    await expectAccessible(page, 'monitoring');
  });

  it('the compare view', async () => {
    await page.goto(`${server.url}/pipelines/qa/compare?a=${evals[0]}&b=${evals[1]}`);
    await page.getByTestId('case-compare-table').locator('tbody tr').first().waitFor();
    await page.getByTestId('means-chart').locator('.recharts-bar-rectangle').first().waitFor();
    await expectAccessible(page, 'compare');
  });
});
