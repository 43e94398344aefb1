// A new user's first minutes at 1440×900: the list lines up, Create opens a draft that its first
// save makes version 1, an empty canvas says what to do, the palette stays usable, and importing
// the same file twice makes one version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { PipelineDocument } from '@patchbay/core';
import { expectAccessible } from './support/axe';
import { launchChromium } from './support/browser';
import { nodeIds } from './support/canvas';
import { startEditorServer } from './support/runner';

let server: Awaited<ReturnType<typeof startEditorServer>>;
let browser: Browser;
let page: Page;

const echo = (name: string, prompt = '{{ question }}'): PipelineDocument => ({
  format: 'patchbay.pipeline/v1',
  name,
  title: 'Echoes the question',
  nodes: [
    { id: 'q', type: 'input', position: { x: 0, y: 0 }, config: { name: 'question', valueType: 'string' } },
    { id: 'answer', type: 'llm', position: { x: 320, y: 0 }, config: { model: 'offline:echo', prompt } },
    { id: 'out', type: 'output', position: { x: 640, y: 0 }, config: { name: 'answer' } },
  ],
  edges: [
    { from: 'q.value', to: 'answer.question' },
    { from: 'answer.text', to: 'out.value' },
  ],
});


beforeAll(async () => {
  server = await startEditorServer();
  await server.request('POST', '/api/pipelines', echo('short'));
  await server.request('POST', '/api/pipelines', echo('a-much-longer-pipeline-name'));
  for (let n = 2; n <= 12; n++) {
    await server.request('POST', '/api/pipelines/short/versions', { document: echo('short', `v${n}: {{ question }}`), message: `v${n}`, baseVersion: n - 1 });
  }
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('a new user at 1440×900', () => {
  it("lines up the pipeline list's header and cells, numbers on the right", async () => {
    await page.goto(server.url);
    await page.getByTestId('latest-short').filter({ hasText: 'v12' }).waitFor();
    const table = await page.locator('.list-page table').evaluate((t) => {
      const edges = (el: Element) => {
        const box = el.getBoundingClientRect();
        return { left: Math.round(box.left), right: Math.round(box.right) };
      };
      // where the text itself ends inside a cell
      const textRight = (el: Element) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        return Math.round(range.getBoundingClientRect().right);
      };
      const head = [...t.querySelectorAll('thead th')];
      const rows = [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.children]);
      return {
        head: head.map(edges),
        rows: rows.map((cells) => cells.map(edges)),
        cellsPerRow: rows.map((cells) => cells.length),
        tags: rows.map((cells) => cells.map((c) => `${c.tagName}:${getComputedStyle(c).display}`)),
        latestAlign: [getComputedStyle(head[1]).textAlign, ...rows.map((cells) => getComputedStyle(cells[1]).textAlign)],
        latestTextRight: [textRight(head[1]), ...rows.map((cells) => textRight(cells[1]))],
      };
    });
    // Name, Latest, Deployed, Updated, actions
    expect(table.cellsPerRow).toEqual([5, 5]);
    for (const row of table.tags) expect(row).toEqual(['TD:table-cell', 'TD:table-cell', 'TD:table-cell', 'TD:table-cell', 'TD:table-cell']);
    for (const row of table.rows) expect(row).toEqual(table.head);
    expect(table.latestAlign).toEqual(['right', 'right', 'right']);
    // "Latest", "v12" and "v1" end at the same x
    expect(new Set(table.latestTextRight).size).toBe(1);
  });

  it('opens a draft on Create: an empty canvas asks for an input and an output, nothing is stored', async () => {
    await page.getByTestId('new-pipeline-name').fill('first-steps');
    await page.getByTestId('create-pipeline').click();
    await page.waitForURL(/\/pipelines\/first-steps\?draft=1$/);
    await expect.poll(() => page.getByTestId('shown-version').textContent()).toBe('unsaved');
    await page.getByTestId('tab-problems').click();
    expect(await page.getByTestId('empty-pipeline').textContent()).toBe('Add an input and an output to begin');
    expect(await page.getByTestId('no-problems').count()).toBe(0);
    expect((await server.request('GET', '/api/pipelines/first-steps')).status).toBe(404);
    await page.getByTestId('tab-versions').click();
    await page.getByText('No versions yet: Save makes version 1.').waitFor();
    await expectAccessible(page, 'editor, a new draft');
  });

  it('keeps the palette on screen: the page never scrolls, the palette scrolls in its own pane', async () => {
    const layout = await page.evaluate(() => {
      const palette = document.querySelector('[data-testid="palette"]')!;
      const box = palette.getBoundingClientRect();
      return {
        pageScrolls: document.scrollingElement!.scrollHeight > window.innerHeight || document.scrollingElement!.scrollWidth > window.innerWidth,
        paletteBottom: box.bottom,
        overflowY: getComputedStyle(palette).overflowY,
        fits: palette.scrollHeight <= palette.clientHeight,
      };
    });
    expect(layout.pageScrolls).toBe(false);
    expect(layout.paletteBottom).toBeLessThanOrEqual(900);
    if (!layout.fits) expect(layout.overflowY).toBe('auto');
    // every item can be reached and seen whole inside the palette
    const types = await page.locator('[data-testid="palette"] .palette-item').evaluateAll((els) => els.map((el) => el.getAttribute('data-testid')!));
    expect(types.length).toBeGreaterThan(10);
    for (const testId of [types[0], types[types.length - 1]]) {
      const item = page.getByTestId(testId);
      await item.scrollIntoViewIfNeeded();
      const [itemBox, paletteBox] = [await item.boundingBox(), await page.getByTestId('palette').boundingBox()];
      expect(itemBox!.y).toBeGreaterThanOrEqual(paletteBox!.y);
      expect(itemBox!.y + itemBox!.height).toBeLessThanOrEqual(paletteBox!.y + paletteBox!.height + 1);
    }
  });

  it('makes version 1 on the first save, says "1 problem", and leaves the draft address', async () => {
    await page.getByTestId('palette-input').click();
    await page.getByTestId('palette-output').click();
    await expect.poll(() => nodeIds(page)).toEqual(['input1', 'output1']);
    // the output is not connected yet: one problem, said in the singular
    await expect.poll(() => page.getByTestId('problem-count').textContent()).toBe('1 problem');
    await page.getByTestId('save-button').click();
    await page.getByTestId('save-message').fill('First draft');
    await page.getByTestId('save-confirm').click();
    await page.getByTestId('toast').filter({ hasText: 'Saved version 1 (with 1 problem)' }).waitFor();
    await page.waitForURL(/\/pipelines\/first-steps$/);
    await expect.poll(() => page.getByTestId('shown-version').textContent()).toBe('v1');
    const versions = (await server.request('GET', '/api/pipelines/first-steps/versions')).body as { number: number; message: string }[];
    expect(versions.map((v) => [v.number, v.message])).toEqual([[1, 'First draft']]);
    expect((await server.request('GET', '/api/pipelines/first-steps')).body.document.nodes.map((n: { id: string }) => n.id)).toEqual(['input1', 'output1']);
  });

  it('imports the same file twice as one version, and says the second made none', async () => {
    await page.goto(server.url);
    const file = { name: 'imported.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(echo('imported', 'Imported: {{ question }}'))) };
    await page.getByTestId('import-file').setInputFiles(file);
    await page.getByTestId('toast').filter({ hasText: 'Imported imported as version 1' }).waitFor();
    await page.waitForURL(/\/pipelines\/imported$/);
    await page.goto(server.url);
    await page.getByTestId('import-file').setInputFiles(file);
    await page.getByTestId('toast').filter({ hasText: 'imported.json is the same as version 1 of imported: no new version was made' }).waitFor();
    const versions = (await server.request('GET', '/api/pipelines/imported/versions')).body as unknown[];
    expect(versions).toHaveLength(1);
  });

  it('refuses a file with a node off the canvas (±1e308) in one line naming the path, as the API does, and imports nothing', async () => {
    const far = echo('far-away');
    far.nodes[1].position = { x: 1e308, y: -1e308 };
    await page.goto(server.url);
    await page.getByTestId('import-file').setInputFiles({ name: 'far.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(far)) });
    const reason = 'not a pipeline document: $.nodes[1].position.x: node "answer": position.x: a canvas position is a number from -10000000 to 10000000';
    await page.getByTestId('toast-error').filter({ hasText: `far.json: ${reason}` }).waitFor();
    expect(page.url()).toBe(`${server.url}/`);
    const created = await server.request('POST', '/api/pipelines', far);
    expect(created.status).toBe(400);
    expect(created.body.detail).toBe(reason);
    expect((await server.request('GET', '/api/pipelines/far-away')).status).toBe(404);
  });
});
