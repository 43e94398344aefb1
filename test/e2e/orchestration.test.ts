// Composition in the browser: run from a node, pinned outputs, opening a pipeline node's child, the palette search.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { expectAccessible } from './support/axe';
import { launchChromium } from './support/browser';
import { nodeIds } from './support/canvas';
import { startEditorServer } from './support/runner';
import { openSqliteStore } from '../../apps/runner/src/store/index';

let server: Awaited<ReturnType<typeof startEditorServer>>;
let browser: Browser;
let page: Page;

const edges = (...pairs: string[]) => pairs.map((p) => ({ from: p.split('->')[0], to: p.split('->')[1] }));
const at = (x: number, y = 100) => ({ x, y });

const echo = {
  format: 'patchbay.pipeline/v1',
  name: 'echo',
  nodes: [
    { id: 'question', type: 'input', position: at(0), config: { name: 'question', valueType: 'string' } },
    { id: 'say', type: 'llm', position: at(300), config: { model: 'offline:echo', prompt: '{{ q }}' } },
    { id: 'answer', type: 'output', position: at(600), config: { name: 'answer' } },
  ],
  edges: edges('question.value->say.q', 'say.text->answer.value'),
};
const chain = {
  format: 'patchbay.pipeline/v1',
  name: 'chain',
  nodes: [
    { id: 'q', type: 'input', position: at(0), config: { name: 'q', valueType: 'string' } },
    { id: 'up', type: 'template', position: at(280), config: { template: 'Q: {{ q }}' } },
    { id: 'say', type: 'llm', position: at(560), config: { model: 'offline:echo', prompt: '{{ t }}' } },
    { id: 'out', type: 'output', position: at(840), config: { name: 'a' } },
  ],
  edges: edges('q.value->up.q', 'up.text->say.t', 'say.text->out.value'),
};
const parent = {
  format: 'patchbay.pipeline/v1',
  name: 'parent',
  nodes: [
    { id: 'q', type: 'input', position: at(0), config: { name: 'question', valueType: 'string' } },
    { id: 'ask', type: 'pipeline', position: at(300), config: { ref: 'echo@v1' } },
    { id: 'out', type: 'output', position: at(600), config: { name: 'answer' } },
  ],
  edges: edges('q.value->ask.question', 'ask.answer->out.value'),
};

async function create(doc: unknown) {
  const res = await fetch(`${server.url}/api/pipelines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
  expect(res.status).toBe(201);
}

async function menu(id: string, action: string) {
  await page.getByTestId(`node-${id}`).click({ button: 'right' });
  await page.getByTestId(`node-menu-${action}`).click();
}

beforeAll(async () => {
  server = await startEditorServer();
  for (const doc of [echo, chain, parent]) await create(doc);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('run from here', () => {
  it('re-runs the node and what is downstream, upstream nodes reused from the last run', async () => {
    await page.goto(`${server.url}/pipelines/chain`);
    await page.getByTestId('node-say').waitFor();
    await page.getByTestId('tab-run').click();
    await page.getByTestId('run-input-q').fill('first');
    await page.getByTestId('run-button').click();
    await expect.poll(() => page.getByTestId('run-output-a').textContent()).toBe('Q: first');

    await menu('say', 'run-from');
    // the picker starts on the editor's last run
    const picker = page.getByTestId('run-from-select');
    await expect.poll(async () => (await picker.locator('option:checked').textContent()) ?? '').toMatch(/ · succeeded · v1 · last run$/);
    await page.getByTestId('run-from-confirm').click();
    await expect.poll(() => page.getByTestId('node-up').getAttribute('data-status')).toBe('reused');
    expect(await page.getByTestId('node-q').getAttribute('data-status')).toBe('reused');
    await expect.poll(() => page.getByTestId('node-say').getAttribute('data-status')).toBe('succeeded');
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('succeeded');
    const runs = await (await fetch(`${server.url}/api/runs?pipeline=chain&limit=1`)).json();
    expect(runs[0].from).toMatchObject({ node: 'say' });
  });
  it('reuses an earlier run the user picks, listed with its time and status', async () => {
    await page.getByTestId('run-input-q').fill('second');
    await page.getByTestId('run-button').click();
    await expect.poll(() => page.getByTestId('run-output-a').textContent()).toBe('Q: second');
    const listed = (await (await fetch(`${server.url}/api/runs?pipeline=chain`)).json()) as { id: string; from: unknown; startedAt: number }[];
    const first = listed.filter((r) => !r.from).sort((a, b) => a.startedAt - b.startedAt)[0];

    await menu('say', 'run-from');
    const picker = page.getByTestId('run-from-select');
    await expect.poll(() => picker.locator('option').count()).toBe(3);
    const labels = await picker.locator('option').allTextContents();
    expect(labels[0]).toMatch(/ · succeeded · .* · last run$/);
    expect(labels[1]).toContain('from say');
    const when = await page.evaluate((t) => new Date(t).toLocaleString(), first.startedAt);
    expect(labels[2]).toBe(`${when} · succeeded · v1`);
    await expectAccessible(page, 'run-from dialog');
    await picker.selectOption(first.id);
    await page.getByTestId('run-from-confirm').click();
    // "up" is reused from the first run: its "Q: first" feeds the re-run of "say"
    await expect.poll(() => page.getByTestId('run-output-a').textContent()).toBe('Q: first');
    const [latest] = await (await fetch(`${server.url}/api/runs?pipeline=chain&limit=1`)).json();
    expect(latest.from).toEqual({ run: first.id, node: 'say' });
  });
});

describe('pinned outputs', () => {
  it('pins a node output, marks it, and editor runs use it instead of running the node', async () => {
    await menu('say', 'pin');
    const json = page.getByTestId('pin-json');
    expect(JSON.parse(await json.inputValue())).toMatchObject({ text: 'Q: first' });
    await json.fill('{"text": "pinned answer"}');
    await page.getByTestId('pin-save').click();
    await page.getByTestId('node-pinned-say').waitFor();

    await page.getByTestId('run-input-q').fill('second');
    await page.getByTestId('run-button').click();
    await expect.poll(() => page.getByTestId('run-output-a').textContent()).toBe('pinned answer');
    await expect.poll(() => page.getByTestId('node-say').getAttribute('data-status')).toBe('reused');

    // kept with the draft in this browser, never in the stored version
    await page.reload();
    await page.getByTestId('node-pinned-say').waitFor();
    const version = await (await fetch(`${server.url}/api/pipelines/chain/versions/1`)).json();
    expect(JSON.stringify(version.document)).not.toContain('pinned answer');

    await menu('say', 'unpin');
    await expect.poll(() => page.getByTestId('node-pinned-say').count()).toBe(0);
  });
});

describe('a pipeline node', () => {
  it('draws the child version\'s ports, opens the child and comes back by the breadcrumb', async () => {
    await page.goto(`${server.url}/pipelines/parent`);
    await page.getByTestId('handle-ask-in-question').waitFor();
    await page.getByTestId('handle-ask-out-answer').waitFor();
    await page.getByTestId('no-problems').waitFor();

    await menu('ask', 'open-child');
    // polled rather than waitForURL, so a failure prints the address the editor is at, and any error it showed
    await expect.poll(async () => `${page.url()} ${await page.getByTestId('toast-error').allTextContents()}`).toMatch(/\/pipelines\/echo\?version=1&via=parent $/);
    await expect.poll(() => nodeIds(page)).toEqual(['answer', 'question', 'say']);
    await page.getByTestId('breadcrumb-parent').click();
    await expect.poll(() => page.url()).toMatch(/\/pipelines\/parent$/);
    await page.getByTestId('node-ask').waitFor();
  });

  it("offers the refs a node can call: a label of digits only, made by an older runner, is not one (NAME@7 reads as version 7)", async () => {
    const put = await fetch(`${server.url}/api/pipelines/echo/labels/production`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 1 }) });
    expect(put.status).toBe(200);
    // Written as an older runner could: the store takes any label it is given (the API refuses "7" now).
    const store = openSqliteStore(server.dataDir);
    await store.labels.move({ pipeline: 'echo', label: '7', version: 1, by: 'admin', note: null, evalId: null, forced: false });
    await store.close();
    await page.goto(`${server.url}/pipelines/parent`);
    await page.getByTestId('node-ask').click();
    const options = page.getByTestId('ref-picker').locator('datalist option');
    await expect.poll(async () => (await options.evaluateAll((all) => all.map((o) => (o as HTMLOptionElement).value))).filter((v) => v.startsWith('echo@'))).toEqual(['echo@production', 'echo@v1']);
  });

  it('finds node types by typing in the palette search; Enter adds the first match', async () => {
    await page.getByTestId('palette-search').fill('stored pipeline');
    await expect.poll(() => page.getByTestId('palette-pipeline').count()).toBe(1);
    expect(await page.getByTestId('palette-llm').count()).toBe(0);
    await page.getByTestId('palette-search').press('Enter');
    await expect.poll(() => nodeIds(page)).toContain('pipeline1');
  });
});
