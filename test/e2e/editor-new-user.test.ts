// Rough edges a new user met on the canvas: dirty state that forgets an undo, Ctrl/⌘+Enter,
// nodes added on top of each other, ids that could not be renamed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { PipelineDocument } from '@patchbay/core';
import { launchChromium } from './support/browser';
import { edgeIds, nodeIds, selectNode } from './support/canvas';
import { startEditorServer } from './support/runner';

let server: Awaited<ReturnType<typeof startEditorServer>>;
let browser: Browser;
let page: Page;

const echo: PipelineDocument = {
  format: 'patchbay.pipeline/v1',
  name: 'echo',
  nodes: [
    { id: 'q', type: 'input', position: { x: 0, y: 0 }, config: { name: 'question', valueType: 'string' } },
    { id: 'answer', type: 'llm', position: { x: 320, y: 0 }, config: { model: 'offline:echo', prompt: '{{ question }}' } },
    { id: 'out', type: 'output', position: { x: 640, y: 0 }, config: { name: 'answer' } },
  ],
  edges: [
    { from: 'q.value', to: 'answer.question' },
    { from: 'answer.text', to: 'out.value' },
  ],
};


const mod = process.platform === 'darwin' ? 'Meta' : 'Control';
/** Clicks an empty spot of the canvas, so keys go to the canvas, not a text box. */
const clickCanvas = (on = page) => on.getByTestId('canvas').click({ position: { x: 30, y: 400 } });

/** Another tab, as a user opens one beside the first. */
const newTab = () => browser.newPage({ viewport: { width: 1440, height: 900 } });

/** `tab` on the canvas of "echo", once it shows a saved version; `viaList` opens it from the list, so Back has somewhere to go. */
async function openEcho(tab: Page, { viaList = false } = {}): Promise<Page> {
  if (viaList) {
    await tab.goto(server.url);
    await tab.getByTestId('open-echo').click();
  } else {
    await tab.goto(`${server.url}/pipelines/echo`);
  }
  await tab.getByTestId('shown-version').filter({ hasText: /^v\d+$/ }).waitFor();
  return tab;
}

/**
 * A tab of its own on "echo" (see openEcho) with a node added and not saved (template1), whose user
 * says "stay" to each unsaved-changes question; `asked` collects the questions.
 */
async function dirtyCanvas({ viaList = false } = {}): Promise<{ other: Page; asked: string[] }> {
  const other = await openEcho(await newTab(), { viaList });
  await other.getByTestId('palette-template').click();
  await other.getByTestId('unsaved').waitFor();
  const asked: string[] = [];
  other.on('dialog', (dialog) => {
    asked.push(dialog.message());
    void dialog.dismiss();
  });
  return { other, asked };
}

beforeAll(async () => {
  server = await startEditorServer();
  await server.api('POST', '/api/pipelines', echo);
  browser = await launchChromium();
  page = await newTab();
  await page.goto(`${server.url}/pipelines/echo`);
  await page.getByTestId('shown-version').filter({ hasText: /^v1$/ }).waitFor();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the canvas for a new user', () => {
  it('says saved again after undoing back to the saved version, and runs that by version', async () => {
    await selectNode(page, 'answer');
    await page.getByTestId('field-prompt').fill('Changed: {{ question }}');
    await page.getByTestId('unsaved').waitFor();
    await clickCanvas();
    await page.keyboard.press(`${mod}+z`);
    await page.getByTestId('unsaved').waitFor({ state: 'detached' });

    await page.getByTestId('tab-run').click();
    await page.getByTestId('run-input-question').fill('by version');
    await page.getByTestId('run-button').click();
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('succeeded');
    const [latest] = await server.api('GET', '/api/runs?pipeline=echo&limit=1');
    expect(latest.version).toBe(1);
  });

  it('runs with Ctrl/⌘+Enter, from the run form and from the canvas', async () => {
    await page.getByTestId('run-input-question').fill('from the keyboard');
    await page.getByTestId('run-input-question').press(`${mod}+Enter`);
    await expect.poll(() => page.getByTestId('run-output-answer').textContent()).toBe('from the keyboard');
    const before = (await server.api('GET', '/api/runs?pipeline=echo')).length;
    await page.getByTestId('tab-problems').click();
    await clickCanvas();
    await page.keyboard.press(`${mod}+Enter`);
    await expect.poll(async () => (await server.api('GET', '/api/runs?pipeline=echo')).length).toBe(before + 1);
  });

  it('places a clicked palette item in free space near the middle of the view, never on another node', async () => {
    await page.getByTestId('fit-button').click();
    for (let i = 0; i < 3; i++) await page.getByTestId('palette-template').click();
    await expect.poll(() => nodeIds(page)).toEqual(['answer', 'out', 'q', 'template1', 'template2', 'template3']);
    const boxes = await page.locator('.react-flow__node').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().toJSON() as DOMRect));
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
        expect(apart, `${JSON.stringify(a)} overlaps ${JSON.stringify(b)}`).toBe(true);
      }
    }
  });

  it("renames a node's id in the inspector: edges follow, a clash is refused", async () => {
    await selectNode(page, 'answer');
    await page.getByTestId('node-id').fill('out');
    await page.getByTestId('node-id').press('Enter');
    await expect.poll(() => page.getByTestId('node-id-error').textContent()).toBe('There is already a node "out".');
    await page.getByTestId('node-id').fill('reply');
    await page.getByTestId('node-id').press('Enter');
    await expect.poll(() => nodeIds(page)).toContain('reply');
    expect(await nodeIds(page)).not.toContain('answer');
    await expect.poll(() => edgeIds(page)).toEqual(['q.value->reply.question', 'reply.text->out.value']);
  });

  it('warns before leaving with unsaved changes, and not once they are undone', async () => {
    const other = await openEcho(await newTab());
    // what the browser asks the page when the user leaves: a cancelled beforeunload is "are you sure?"
    const wouldWarn = () =>
      other.evaluate(() => {
        const leaving = new Event('beforeunload', { cancelable: true });
        window.dispatchEvent(leaving);
        return leaving.defaultPrevented;
      });
    expect(await wouldWarn()).toBe(false);
    await selectNode(other, 'out');
    await other.getByTestId('field-name').fill('changed');
    await other.getByTestId('unsaved').waitFor();
    await expect.poll(wouldWarn).toBe(true);
    await clickCanvas(other);
    await other.keyboard.press(`${mod}+z`);
    await other.getByTestId('unsaved').waitFor({ state: 'detached' });
    await expect.poll(wouldWarn).toBe(false);
    await other.close();
  });

  it('asks before Evals, Deploy, Monitoring or ← leave a canvas with unsaved changes, and staying keeps them', async () => {
    const { other, asked } = await dirtyCanvas();
    for (const button of ['view-evals', 'view-deploy', 'view-monitoring', 'back-to-list']) {
      await other.getByTestId(button).click();
      await expect.poll(() => asked.length).toBeGreaterThan(0);
      expect(asked.pop()).toMatch(/unsaved changes/);
      expect(new URL(other.url()).pathname).toBe('/pipelines/echo');
      expect(await nodeIds(other)).toContain('template1');
      await other.getByTestId('unsaved').waitFor();
    }
    other.removeAllListeners('dialog');
    // "leave" goes
    other.once('dialog', (dialog) => void dialog.accept());
    await other.getByTestId('view-evals').click();
    await other.waitForURL(/\/pipelines\/echo\/evals$/);
    await other.close();
  });

  it('leaves a saved canvas without asking', async () => {
    const other = await newTab();
    let asked = 0;
    other.on('dialog', (dialog) => {
      asked++;
      void dialog.dismiss();
    });
    await openEcho(other);
    await other.getByTestId('view-evals').click();
    await other.waitForURL(/\/pipelines\/echo\/evals$/);
    expect(asked).toBe(0);
    await other.close();
  });

  it("asks before the browser's Back leaves a canvas with unsaved changes; staying keeps them", async () => {
    const { other, asked } = await dirtyCanvas({ viaList: true });
    await other.goBack();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toMatch(/unsaved changes/);
    await expect.poll(() => new URL(other.url()).pathname).toBe('/pipelines/echo');
    expect(await nodeIds(other)).toContain('template1');
    await other.getByTestId('unsaved').waitFor();
    other.removeAllListeners('dialog');
    other.once('dialog', (dialog) => void dialog.accept());
    await other.goBack();
    await expect.poll(() => new URL(other.url()).pathname).toBe('/');
    await other.getByTestId('open-echo').waitFor();
    await other.close();
  });

  it("asks before Restore replaces a canvas with unsaved changes, and staying keeps them and saves nothing", async () => {
    await server.api('POST', '/api/pipelines/echo/versions', { document: { ...echo, title: 'second' }, message: 'second', baseVersion: (await server.api('GET', '/api/pipelines/echo/versions?limit=1'))[0].number });
    const before = (await server.api('GET', '/api/pipelines/echo/versions')).length;
    const { other, asked } = await dirtyCanvas();
    await other.getByTestId('tab-versions').click();
    await other.getByTestId('restore-version-1').click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toMatch(/unsaved changes/);
    expect(await nodeIds(other)).toContain('template1');
    await other.getByTestId('unsaved').waitFor();
    expect((await server.api('GET', '/api/pipelines/echo/versions')).length).toBe(before);
    await other.close();
  });

  it('offers no Evals, Deploy or Monitoring on a draft that was never saved, and says why', async () => {
    const other = await newTab();
    await other.goto(server.url);
    await other.getByTestId('new-pipeline-name').fill('never-saved');
    await other.getByTestId('create-pipeline').click();
    await other.waitForURL(/\/pipelines\/never-saved\?draft=1$/);
    await other.getByTestId('shown-version').filter({ hasText: 'unsaved' }).waitFor();
    for (const button of ['view-evals', 'view-deploy', 'view-monitoring']) {
      expect(await other.getByTestId(button).isDisabled()).toBe(true);
      expect(await other.getByTestId(button).getAttribute('title')).toMatch(/^Save version 1 first/);
    }
    await other.close();
  });

  it('undoes what was typed into a template with Ctrl/⌘+Z in the field as one step, not one character', async () => {
    const other = await openEcho(await newTab());
    // the llm node (an earlier test renamed it)
    await selectNode(other, (await other.locator('.react-flow__node').filter({ hasText: 'offline:echo' }).getAttribute('data-id'))!);
    const prompt = other.getByTestId('field-prompt');
    const before = await prompt.inputValue();
    await prompt.click();
    await other.keyboard.press('End');
    // typed as a person types, key by key
    await other.keyboard.type(' Be brief.', { delay: 30 });
    await expect.poll(() => prompt.inputValue()).toBe(`${before} Be brief.`);
    await other.getByTestId('unsaved').waitFor();
    await other.keyboard.press(`${mod}+z`);
    await expect.poll(() => prompt.inputValue()).toBe(before);
    await other.getByTestId('unsaved').waitFor({ state: 'detached' });
    await other.keyboard.press(`${mod}+Shift+z`);
    await expect.poll(() => prompt.inputValue()).toBe(`${before} Be brief.`);
    await other.getByTestId('unsaved').waitFor();
    await other.close();
  });

  it('undoes what was typed into a JSON run input with Ctrl/⌘+Z as one step, as in any text box', async () => {
    await server.api('POST', '/api/pipelines', {
      format: 'patchbay.pipeline/v1',
      name: 'takes-json',
      nodes: [
        { id: 'data', type: 'input', position: { x: 0, y: 0 }, config: { name: 'data', valueType: 'json' } },
        { id: 'out', type: 'output', position: { x: 320, y: 0 }, config: { name: 'data' } },
      ],
      edges: [{ from: 'data.value', to: 'out.value' }],
    });
    const other = await newTab();
    await other.goto(`${server.url}/pipelines/takes-json`);
    await other.getByTestId('tab-run').click();
    const box = other.getByTestId('run-input-data');
    await box.click();
    await other.keyboard.type('{"a": 1}', { delay: 30 });
    await expect.poll(() => box.inputValue()).toBe('{"a": 1}');
    await other.keyboard.press(`${mod}+z`);
    await expect.poll(() => box.inputValue()).toBe('');
    await other.close();
  });
});

