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
// Read whole, the run carried such a value at every place it passed (GET /api/runs/:id: 7 times, ~31 MB for
// 4.5 MB): the editor reads runs with ?cut=10000 and fetches a value whole only for a download or the run form.
let server: Awaited<ReturnType<typeof startEditorServer>>;
let browser: Browser;
let page: Page;
let runId: string;

const LONG = `start of the reply ${'x'.repeat(4_500_000)} end of the reply`;

const echo: PipelineDocument = {
  format: 'patchbay.pipeline/v1',
  name: 'long-echo',
  nodes: [
    { id: 'question', type: 'input', position: { x: 0, y: 0 }, config: { name: 'question', valueType: 'string' } },
    { id: 'answer', type: 'llm', position: { x: 300, y: 0 }, config: { model: 'offline:echo', prompt: '{{ question }}' } },
    { id: 'same', type: 'transform', position: { x: 600, y: 0 }, config: { expression: '$' } },
    { id: 'result', type: 'output', position: { x: 900, y: 0 }, config: { name: 'answer' } },
  ],
  edges: [
    { from: 'question.value', to: 'answer.question' },
    { from: 'answer.text', to: 'same.value' },
    { from: 'same.value', to: 'result.value' },
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
    // What the page reads of this run to open it: every answer of /api/runs/ID…, by size.
    const read: { url: string; bytes: number }[] = [];
    page.on('response', (response) => {
      if (!response.url().includes(`/api/runs/${runId}`)) return;
      void response.body().then((body) => read.push({ url: response.url(), bytes: body.length }), () => {});
    });
    await page.goto(`${server.url}/pipelines/long-echo?run=${runId}`);
    const output = page.getByTestId('run-output-answer');
    await output.waitFor();
    // One read of the run, its long values cut (40.5 MB read whole); nothing is fetched whole to open it.
    await expect.poll(() => read.length).toBe(1);
    expect(new URL(read[0].url).search).toBe('?cut=10000');
    expect(read[0].bytes).toBeLessThan(200_000);
    // The run form keeps the long input as the run had it, without laying out megabytes in a field.
    expect(await page.getByTestId('run-input-question').inputValue()).toBe('');
    expect(await page.getByTestId('run-input-question-kept').textContent()).toBe(`Runs with this run's value (${LONG.length.toLocaleString('en-US')} characters) unless you type another.`);
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
    expect(await page.getByTestId('node-run-outputs-cut').textContent()).toBe(`Showing the start of text (${LONG.length.toLocaleString('en-US')} characters). Download all`);
    const [outputs] = await Promise.all([page.waitForEvent('download'), page.getByTestId('node-run-outputs-cut').getByRole('button', { name: 'Download all' }).click()]);
    expect(outputs.suggestedFilename()).toBe(`run-${runId}-answer-outputs.json`);
    expect(JSON.parse(fs.readFileSync((await outputs.path())!, 'utf8')).text).toBe(LONG);
    // Each download fetched its value whole, once.
    await expect.poll(() => read.filter((r) => r.url.includes('/values/')).map((r) => r.bytes)).toEqual([JSON.stringify(LONG).length, JSON.stringify(LONG).length]);

    // Run again: the kept input is fetched whole and run as it was.
    await page.getByTestId('run-button').click();
    await expect.poll(async () => (await server.api('GET', '/api/runs?pipeline=long-echo')).map((r: { status: string }) => r.status)).toEqual(['succeeded', 'succeeded']);
    const [again] = await server.api('GET', '/api/runs?pipeline=long-echo');
    expect((await server.api('GET', `/api/runs/${again.id}`)).inputs.question).toBe(LONG);
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('succeeded');
    expect(await page.getByTestId('run-output-answer-cut').textContent()).toBe(`Showing the first 10,000 of ${LONG.length.toLocaleString('en-US')} characters. Download all`);
  });
});
