import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { PipelineDocument } from '@patchbay/core';
import { launchChromium } from './support/browser';
import { nodeIds, selectNode } from './support/canvas';
import { startEditorServer } from './support/runner';
import { startOpenAIStub, type OpenAIStub } from '../support/openai-stub';

let server: Awaited<ReturnType<typeof startEditorServer>>;
let browser: Browser;
let page: Page;
let stub: OpenAIStub;

/** A small question-answering pipeline. */
const qa: PipelineDocument = {
  format: 'patchbay.pipeline/v1',
  name: 'support-assistant',
  title: 'Support assistant',
  nodes: [
    { id: 'question', type: 'input', position: { x: 0, y: 0 }, config: { name: 'question', valueType: 'string' } },
    { id: 'context', type: 'input', position: { x: 0, y: 160 }, config: { name: 'context', valueType: 'string', default: 'Refunds take five days. Shipping is free over 50 euros. Support answers within a day.' } },
    { id: 'prompt', type: 'template', position: { x: 300, y: 60 }, config: { template: '{{ context }}\nQuestion: {{ question }}' } },
    { id: 'answer', type: 'llm', position: { x: 600, y: 60 }, config: { model: 'offline:extractive', system: 'Answer only from the context.', prompt: '{{ prompt }}' } },
    { id: 'shout', type: 'transform', position: { x: 900, y: 0 }, config: { expression: '$uppercase($)' } },
    { id: 'result', type: 'output', position: { x: 1180, y: 0 }, config: { name: 'answer' } },
    { id: 'loud', type: 'output', position: { x: 1180, y: 160 }, config: { name: 'loud' } },
  ],
  edges: [
    { from: 'question.value', to: 'prompt.question' },
    { from: 'context.value', to: 'prompt.context' },
    { from: 'prompt.text', to: 'answer.prompt' },
    { from: 'answer.text', to: 'result.value' },
    { from: 'answer.text', to: 'shout.value' },
    { from: 'shout.value', to: 'loud.value' },
  ],
};

/** A pipeline that runs until it is cancelled: its model streams half an answer, then stalls. */
const endless: PipelineDocument = {
  format: 'patchbay.pipeline/v1',
  name: 'endless',
  nodes: [
    { id: 'n', type: 'input', position: { x: 0, y: 0 }, config: { name: 'n', valueType: 'string' } },
    { id: 'slow', type: 'llm', position: { x: 300, y: 0 }, config: { model: 'stub:stalls', prompt: '{{ n }}' } },
    { id: 'out', type: 'output', position: { x: 600, y: 0 }, config: { name: 'out' } },
  ],
  edges: [
    { from: 'n.value', to: 'slow.n' },
    { from: 'slow.text', to: 'out.value' },
  ],
};

async function post(pathname: string, body: unknown) {
  const response = await fetch(server.url + pathname, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
  return response.json();
}

beforeAll(async () => {
  stub = await startOpenAIStub({ handler: () => ({ hang: 'mid-stream', text: 'thinking about it for a very long time' }) });
  server = await startEditorServer({
    config: { providers: { stub: { baseURL: stub.url, apiKeyEnv: 'STUB_API_KEY', models: ['stalls'] } } },
    env: { STUB_API_KEY: 'not-a-real-key' },
  });
  await post('/api/pipelines', qa);
  await post('/api/pipelines', endless);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await stub?.close();
});

describe('import, export and runs in the browser', () => {
  it('exports the open version and imports it back under another name', async () => {
    await page.goto(`${server.url}/pipelines/support-assistant`);
    await expect.poll(() => nodeIds(page)).toHaveLength(7);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-button').click()]);
    expect(download.suggestedFilename()).toBe('support-assistant.v1.json');
    const exported = JSON.parse(fs.readFileSync((await download.path())!, 'utf8')) as PipelineDocument;
    expect(exported.nodes.map((n) => ({ ...n, position: undefined }))).toEqual(qa.nodes.map((n) => ({ ...n, position: undefined })));
    expect(exported.edges).toEqual(qa.edges);

    const copy = path.join(server.dataDir, 'copy.json');
    fs.writeFileSync(copy, JSON.stringify({ ...exported, name: 'support-copy' }));
    await page.getByTestId('back-to-list').click();
    await page.getByTestId('import-file').setInputFiles(copy);
    await page.waitForURL(/\/pipelines\/support-copy$/);
    await expect.poll(() => nodeIds(page)).toHaveLength(7);
    const imported = (await (await fetch(`${server.url}/api/pipelines/support-copy`)).json()) as { document: PipelineDocument };
    expect({ ...imported.document, name: 'support-assistant' }).toEqual(exported);
  });

  it('refuses a file that is not a pipeline, saying why', async () => {
    const bad = path.join(server.dataDir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ format: 'something-else', nodes: [] }));
    await page.getByTestId('back-to-list').click();
    await page.getByTestId('import-file').setInputFiles(bad);
    const toast = page.getByTestId('toast-error');
    await toast.waitFor();
    expect(await toast.textContent()).toMatch(/^bad\.json: not a pipeline document: \$\.format/);
  });

  it('runs a saved version, lists the run, and reopens it on the canvas', async () => {
    await page.getByTestId('open-support-assistant').click();
    await expect.poll(() => nodeIds(page)).toHaveLength(7);
    await page.getByTestId('tab-run').click();
    await page.getByTestId('run-input-question').fill('How long do refunds take?');
    await page.getByTestId('run-button').click();
    await page.getByTestId('run-output-answer').waitFor();
    expect(await page.getByTestId('run-output-answer').textContent()).toBe('Refunds take five days.');
    expect(await page.getByTestId('run-output-loud').textContent()).toBe('REFUNDS TAKE FIVE DAYS.');

    await page.getByTestId('tab-runs').click();
    const open = page.locator('[data-testid^="open-run-"]');
    await open.first().waitFor();
    expect(await open.count()).toBe(1);
    await open.first().click();
    await page.waitForURL(/run=/);
    await expect.poll(() => page.getByTestId('editor').getAttribute('data-mode')).toBe('run');
    for (const id of ['question', 'prompt', 'answer', 'shout', 'result']) {
      await expect.poll(() => page.getByTestId(`node-${id}`).getAttribute('data-status')).toBe('succeeded');
    }
    await selectNode(page, 'answer');
    expect(await page.getByTestId('node-run-outputs').textContent()).toContain('Refunds take five days.');
    expect(await page.getByTestId('node-run-cost').textContent()).toBe('$0.000000');
  });

  it('cancels a running pipeline', async () => {
    await page.goto(`${server.url}/pipelines/endless`);
    await expect.poll(() => nodeIds(page)).toHaveLength(3);
    await page.getByTestId('tab-run').click();
    await page.getByTestId('run-input-n').fill('go');
    await page.getByTestId('run-button').click();
    // the half answer streams into the node, then the model stalls
    await expect.poll(() => page.getByTestId('node-text-slow').textContent()).toMatch(/^thinking/);
    expect(await page.getByTestId('node-slow').getAttribute('data-status')).toBe('running');
    // the page stays responsive while the run goes on
    await page.getByTestId('help-button').click();
    await page.getByTestId('help-dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('cancel-button').click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 15_000 }).toBe('cancelled');
    await expect.poll(() => page.getByTestId('node-slow').getAttribute('data-status')).not.toBe('running');
  });

  it('follows a run opened while it still runs (a reload mid-run, the Runs list) to its end, instead of a frozen snapshot', async () => {
    const { id } = await post('/api/runs', { pipeline: 'endless', inputs: { n: 'go' } });
    await page.goto(`${server.url}/pipelines/endless?run=${id}`);
    await expect.poll(() => page.getByTestId('node-slow').getAttribute('data-status')).toBe('running');
    // what streamed before the page opened is replayed into the node
    await expect.poll(() => page.getByTestId('node-text-slow').textContent()).toMatch(/^thinking/);
    await post(`/api/runs/${id}/cancel`, {});
    await expect.poll(() => page.getByTestId('node-slow').getAttribute('data-status'), { timeout: 15_000 }).not.toBe('running');
    await page.getByTestId('tab-run').click();
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('cancelled');
  });

  it('Cancel on a run opened while it runs cancels it on the runner, not only on the page', async () => {
    const { id } = await post('/api/runs', { pipeline: 'endless', inputs: { n: 'opened' } });
    await page.goto(`${server.url}/pipelines/endless?run=${id}`);
    await expect.poll(() => page.getByTestId('node-text-slow').textContent()).toMatch(/^thinking/);
    await page.getByTestId('tab-run').click();
    await page.getByTestId('cancel-button').click();
    const status = async () => ((await (await fetch(`${server.url}/api/runs/${id}`)).json()) as { status: string }).status;
    await expect.poll(status, { timeout: 15_000 }).toBe('cancelled');
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('cancelled');
    await expect.poll(() => page.getByTestId('node-slow').getAttribute('data-status')).not.toBe('running');
  });

  it('picks a run started here up again after a reload mid-run, streaming, and Cancel still reaches it', async () => {
    await page.goto(`${server.url}/pipelines/endless`);
    await page.getByTestId('tab-run').click();
    await page.getByTestId('run-input-n').fill('reloaded');
    await page.getByTestId('run-button').click();
    await expect.poll(() => page.getByTestId('node-text-slow').textContent()).toMatch(/^thinking/);
    await page.reload();
    await expect.poll(() => page.getByTestId('node-slow').getAttribute('data-status')).toBe('running');
    await expect.poll(() => page.getByTestId('node-text-slow').textContent()).toMatch(/^thinking/);
    await page.getByTestId('tab-run').click();
    await page.getByTestId('cancel-button').click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 15_000 }).toBe('cancelled');
    // the run itself was cancelled on the runner, not just left behind by the page
    const [latest] = (await (await fetch(`${server.url}/api/runs?pipeline=endless&limit=1`)).json()) as { id: string }[];
    const run = (await (await fetch(`${server.url}/api/runs/${latest.id}`)).json()) as { status: string; inputs: { n: string } };
    expect(run).toMatchObject({ status: 'cancelled', inputs: { n: 'reloaded' } });
  });

  it('opens the help dialog with ?', async () => {
    await page.getByTestId('canvas').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('?');
    const help = page.getByTestId('help-dialog');
    await help.waitFor();
    expect(await help.textContent()).toContain('Shift + Ctrl/⌘ + Z');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
  });

  it('follows the system into dark mode', async () => {
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await background()).toBe('rgb(248, 250, 252)');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).toBe('rgb(11, 17, 32)');
    // the canvas follows through React Flow's media-query listener, a render later than the CSS
    await expect.poll(() => page.locator('.react-flow').getAttribute('class')).toContain('dark');
  });

  it('says in one line that an address names no pipeline, and leads back to the list', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${server.url}/pipelines/no-such-pipeline`);
    const error = page.getByTestId('page-error');
    await error.waitFor();
    const text = (await error.textContent())!;
    expect(text).toContain('no-such-pipeline');
    expect(text).not.toContain('\n');
    await page.getByRole('button', { name: 'All pipelines' }).click();
    await page.getByTestId('open-support-assistant').waitFor();
  });
});
