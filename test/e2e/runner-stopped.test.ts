import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startServer } from '@patchbay/runner';
import { launchChromium } from './support/browser';
import { nodeIds } from './support/canvas';
import { qaPipeline } from './support/session';

// The runner stops (Ctrl-C, a restart, a crash) while the editor is open with unsaved work.
let dataDir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let port: number;
let browser: Browser;
let page: Page;

const start = () => startServer({ port, dataDir, quiet: true, env: { PATH: process.env.PATH } });

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-e2e-'));
  port = 0;
  server = await start();
  port = Number(new URL(server.url).port);
  const response = await fetch(`${server.url}/api/pipelines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(qaPipeline('{{ question }}')) });
  if (response.status !== 201) throw new Error(`seed: ${response.status}`);
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the runner stops while the editor is open', () => {
  it('a panel that cannot load says so in one line, the canvas and its unsaved edit stay, and Try again loads it once the runner is back', async () => {
    await page.goto(`${server.url}/pipelines/qa`);
    await page.getByTestId('palette-template').click();
    await expect.poll(() => nodeIds(page)).toHaveLength(4);
    await server.close();

    // the Runs panel's script is not loaded yet and cannot be now
    await page.getByTestId('tab-runs').click();
    const failure = page.getByTestId('load-failure');
    await failure.waitFor();
    expect(await failure.getByTestId('load-failure-reason').textContent()).toBe('Could not load this panel: the runner did not answer (is patchbay serve still running?)');
    expect(await nodeIds(page)).toHaveLength(4);
    expect(await page.getByTestId('unsaved').count()).toBe(1);

    server = await start();
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => page.getByTestId('load-failure').count()).toBe(0);
    await page.getByTestId('runs-panel').waitFor();
    expect(await nodeIds(page)).toHaveLength(4);
  });

  it('a run the runner cannot answer says in one line that the runner did not answer', async () => {
    await page.goto(`${server.url}/pipelines/qa`);
    await page.getByTestId('node-answer').waitFor();
    await server.close();
    await page.getByTestId('tab-run').click();
    await page.getByTestId('run-input-question').fill('hello');
    await page.getByTestId('run-button').click();
    await expect.poll(() => page.getByTestId('run-panel').textContent()).toContain('Could not reach the runner (is patchbay serve still running?)');
    expect(await page.getByTestId('run-panel').textContent()).not.toContain('Failed to fetch');
    server = await start();
  });
});
