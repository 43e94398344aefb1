import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { PipelineDocument } from '@patchbay/core';
import { launchChromium } from './support/browser';
import { selectNode } from './support/canvas';
import { startEditorServer } from './support/runner';

// A run's values can be megabytes (a model's reply, up to limits.maxOutputBytes). Laid out whole in the
// run's views (the LLM card, the inspector, the Run tab) such a value held the page for seconds at each
// click; the views show its start, say how much there is, and hand the whole of it over as a download.
let server: Awaited<ReturnType<typeof startEditorServer>>;
let browser: Browser;
let page: Page;
let runId: string;

const LONG = `start of the reply ${'x'.repeat(3_000_000)} end of the reply`;

const echo: PipelineDocument = {
  format: 'patchbay.pipeline/v1',
  name: 'long-echo',
  nodes: [
    { id: 'question', type: 'input', position: { x: 0, y: 0 }, config: { name: 'question', valueType: 'string' } },
    { id: 'answer', type: 'llm', position: { x: 300, y: 0 }, config: { model: 'offline:echo', prompt: '{{ question }}' } },
    { id: 'result', type: 'output', position: { x: 600, y: 0 }, config: { name: 'answer' } },
  ],
  edges: [
    { from: 'question.value', to: 'answer.question' },
    { from: 'answer.text', to: 'result.value' },
  ],
};

beforeAll(async () => {
  server = await startEditorServer();
  await server.api('POST', '/api/pipelines', echo);
  runId = (await server.api('POST', '/api/runs', { pipeline: 'long-echo', inputs: { question: LONG } })).id;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const textLength = async (testId: string) => ((await page.getByTestId(testId).textContent()) ?? '').length;

describe('a run with a value of megabytes', () => {
  it('shows the start of each long value, says how long it is, and downloads the whole', async () => {
    await page.goto(`${server.url}/pipelines/long-echo?run=${runId}`);
    const output = page.getByTestId('run-output-answer');
    await output.waitFor();
    expect(await output.textContent()).toMatch(/^start of the reply x+$/);
    expect(await textLength('run-output-answer')).toBe(10_000);
    const cut = page.getByTestId('run-output-answer-cut');
    expect(await cut.textContent()).toBe(`Showing the first 10,000 of ${LONG.length.toLocaleString('en-US')} characters. Download all`);
    const [download] = await Promise.all([page.waitForEvent('download'), cut.getByRole('button', { name: 'Download all' }).click()]);
    expect(download.suggestedFilename()).toBe(`run-${runId}-answer.txt`);
    expect(fs.readFileSync((await download.path())!, 'utf8')).toBe(LONG);

    // The LLM card's text and the inspector's inputs and outputs alike.
    expect(await textLength('node-text-answer')).toBe(10_000);
    await selectNode(page, 'answer');
    expect(await textLength('node-run-inputs')).toBe(10_000);
    expect(await textLength('node-run-outputs')).toBe(10_000);
    const [outputs] = await Promise.all([page.waitForEvent('download'), page.getByTestId('node-run-outputs-cut').getByRole('button', { name: 'Download all' }).click()]);
    expect(outputs.suggestedFilename()).toBe(`run-${runId}-answer-outputs.json`);
    expect(JSON.parse(fs.readFileSync((await outputs.path())!, 'utf8')).text).toBe(LONG);
  });
});
