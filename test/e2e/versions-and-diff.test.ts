import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { PipelineDocument } from '@patchbay/core';
import { launchChromium } from './support/browser';
import { dropFromPalette, nodeIds, selectNode } from './support/canvas';
import { startEditorServer } from './support/runner';

let server: Awaited<ReturnType<typeof startEditorServer>>;
let browser: Browser;
let page: Page;

const v1: PipelineDocument = {
  format: 'patchbay.pipeline/v1',
  name: 'versioned',
  nodes: [
    { id: 'question', type: 'input', position: { x: 0, y: 0 }, config: { name: 'question', valueType: 'string' } },
    { id: 'answer', type: 'llm', position: { x: 320, y: 0 }, config: { model: 'offline:echo', prompt: 'Q: {{ question }}' } },
    { id: 'note', type: 'template', position: { x: 320, y: 220 }, config: { template: 'a note' } },
    { id: 'result', type: 'output', position: { x: 640, y: 0 }, config: { name: 'answer' } },
  ],
  edges: [
    { from: 'question.value', to: 'answer.question' },
    { from: 'answer.text', to: 'result.value' },
  ],
};


const style = (page: Page, testId: string, property: 'borderTopColor' | 'borderTopStyle') =>
  page.getByTestId(testId).evaluate((el, p) => getComputedStyle(el)[p], property);

beforeAll(async () => {
  server = await startEditorServer();
  await server.api('POST', '/api/pipelines', v1);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('versions in the browser', () => {
  it('opens the latest version from the list', async () => {
    await page.goto(server.url);
    expect(await page.getByTestId('latest-versioned').textContent()).toBe('v1');
    await page.getByTestId('open-versioned').click();
    await expect.poll(() => nodeIds(page)).toEqual(['answer', 'note', 'question', 'result']);
  });

  it('undoes and redoes edits with the keyboard', async () => {
    await dropFromPalette(page, 'transform', 700, 380);
    await expect.poll(() => nodeIds(page)).toContain('transform1');
    await page.getByTestId('canvas').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => nodeIds(page)).not.toContain('transform1');
    await page.keyboard.press('Shift+Control+z');
    await expect.poll(() => nodeIds(page)).toContain('transform1');

    await selectNode(page, 'answer');
    await page.getByTestId('field-prompt').fill('Question: {{ question }}');
    await page.getByTestId('canvas').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Control+z');
    await selectNode(page, 'answer');
    expect(await page.getByTestId('field-prompt').inputValue()).toBe('Q: {{ question }}');
    await page.getByTestId('canvas').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Control+Shift+Z');
    await selectNode(page, 'answer');
    expect(await page.getByTestId('field-prompt').inputValue()).toBe('Question: {{ question }}');
  });

  it('copies and pastes a node with a fresh id', async () => {
    await selectNode(page, 'note');
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await expect.poll(() => nodeIds(page)).toContain('note1');
    await page.keyboard.press('Delete'); // the pasted copy is selected
    await expect.poll(() => nodeIds(page)).not.toContain('note1');
  });

  it('selects several nodes with Ctrl+click, copies them together and deletes the pasted pair', async () => {
    await selectNode(page, 'note');
    await page.getByTestId('node-answer').locator('header').click({ modifiers: ['ControlOrMeta'] });
    await page.getByText('Several nodes selected').waitFor();
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await expect.poll(() => nodeIds(page)).toEqual(['answer', 'answer1', 'note', 'note1', 'question', 'result', 'transform1']);
    await page.keyboard.press('Delete'); // the pasted pair is the selection now
    await expect.poll(() => nodeIds(page)).toEqual(['answer', 'note', 'question', 'result', 'transform1']);
  });

  it('saves a version only with a message', async () => {
    await selectNode(page, 'note');
    await page.keyboard.press('Delete');
    await expect.poll(() => nodeIds(page)).toEqual(['answer', 'question', 'result', 'transform1']);
    await page.getByTestId('save-button').click();
    expect(await page.getByTestId('save-confirm').isDisabled()).toBe(true);
    await page.getByTestId('save-message').fill('Longer prompt, no note, a transform');
    await page.getByTestId('save-confirm').click();
    await expect.poll(() => page.getByTestId('shown-version').textContent()).toBe('v2');
    const versions = (await server.api('GET', '/api/pipelines/versioned/versions')) as { number: number; message: string }[];
    expect(versions.find((v) => v.number === 2)?.message).toBe('Longer prompt, no note, a transform');
  });

  it('shows the diff of v1 and v2 on the canvas in colour', async () => {
    await page.getByTestId('tab-versions').click();
    await page.getByTestId('version-2').waitFor();
    await page.getByTestId('diff-from').selectOption('1');
    await page.getByTestId('diff-to').selectOption('2');
    await page.getByTestId('diff-button').click();
    await page.waitForURL(/diff=1\.\.2/);
    await expect.poll(() => page.getByTestId('node-note').getAttribute('data-diff')).toBe('removed');
    expect(await page.getByTestId('node-transform1').getAttribute('data-diff')).toBe('added');
    expect(await page.getByTestId('node-answer').getAttribute('data-diff')).toBe('changed');
    expect(await page.getByTestId('node-question').getAttribute('data-diff')).toBeNull();

    expect(await style(page, 'node-transform1', 'borderTopColor')).toBe('rgb(21, 128, 61)'); // green
    expect(await style(page, 'node-note', 'borderTopColor')).toBe('rgb(185, 28, 28)'); // red
    expect(await style(page, 'node-note', 'borderTopStyle')).toBe('dashed'); // ghosted (not faded: its text must still read)
    expect(await page.getByTestId('node-note').locator('header .name').evaluate((el) => getComputedStyle(el).textDecorationLine)).toBe('line-through');
    expect(await style(page, 'node-answer', 'borderTopColor')).toBe('rgb(180, 83, 9)'); // amber

    await page.getByTestId('node-answer').locator('header').click(); // no inspector in a diff: the changes instead
    const changes = page.getByTestId('diff-node').getByTestId('field-changes');
    await changes.waitFor();
    expect(await changes.textContent()).toContain('config.prompt: "Q: {{ question }}" → "Question: {{ question }}"');
    expect(await page.getByTestId('diff-summary').textContent()).toContain('1 added, 1 removed, 1 changed');
  });

  it('opens an old version read-only and restores it as a new version', async () => {
    await page.getByTestId('tab-versions').click();
    await page.getByTestId('open-version-1').click();
    await page.waitForURL(/version=1/);
    await expect.poll(() => page.getByTestId('shown-version').textContent()).toBe('v1 (read-only)');
    expect(await page.getByTestId('save-button').count()).toBe(0);
    expect(await nodeIds(page)).toEqual(['answer', 'note', 'question', 'result']);
    await page.getByTestId('restore-shown').click();
    await expect.poll(() => page.getByTestId('shown-version').textContent()).toBe('v3');
    const restored = (await server.api('GET', '/api/pipelines/versioned/versions/3')) as { document: PipelineDocument; message: string };
    expect(restored.message).toBe('Restore version 1');
    expect(restored.document.nodes).toEqual(v1.nodes);
  });

  it('says when a newer version was saved meanwhile, and saves on top of it when asked', async () => {
    await selectNode(page, 'answer');
    await page.getByTestId('field-prompt').fill('Mine: {{ question }}');
    // someone else saves v4 behind the editor's back
    const theirs = { ...v1, nodes: v1.nodes.map((n) => (n.id === 'answer' ? { ...n, config: { ...n.config, prompt: 'Theirs: {{ question }}' } } : n)) };
    await server.api('POST', '/api/pipelines/versioned/versions', { document: theirs, message: 'theirs', baseVersion: 3 });

    await page.getByTestId('save-button').click();
    await page.getByTestId('save-message').fill('mine');
    await page.getByTestId('save-confirm').click();
    const conflict = page.getByTestId('save-conflict');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('Version 4 was saved since you opened version 3');
    await page.getByTestId('save-on-top').click();
    await expect.poll(() => page.getByTestId('shown-version').textContent()).toBe('v5');
    const v5 = (await server.api('GET', '/api/pipelines/versioned/versions/5')) as { document: PipelineDocument; parent: number };
    expect(v5.document.nodes.find((n) => n.id === 'answer')?.config.prompt).toBe('Mine: {{ question }}');
  });

  it('or loads the newer version instead, dropping the unsaved edit', async () => {
    await selectNode(page, 'answer');
    await page.getByTestId('field-prompt').fill('Dropped: {{ question }}');
    await server.api('POST', '/api/pipelines/versioned/versions', { document: v1, message: 'again theirs', baseVersion: 5 });
    await page.getByTestId('save-button').click();
    await page.getByTestId('save-message').fill('will not be saved');
    await page.getByTestId('save-confirm').click();
    await page.getByTestId('load-latest').click();
    await expect.poll(() => page.getByTestId('shown-version').textContent()).toBe('v6');
    await selectNode(page, 'answer');
    expect(await page.getByTestId('field-prompt').inputValue()).toBe('Q: {{ question }}');
  });

  it('says when the pipeline was deleted meanwhile, and saves the canvas again as its version 1 when asked', async () => {
    await server.api('POST', '/api/pipelines', { ...v1, name: 'doomed' });
    await page.goto(`${server.url}/pipelines/doomed`);
    await selectNode(page, 'answer');
    await page.getByTestId('field-prompt').fill('Kept: {{ question }}');
    // another tab deletes the pipeline
    await server.api('DELETE', '/api/pipelines/doomed');

    await page.getByTestId('save-button').click();
    await page.getByTestId('save-message').fill('mine');
    await page.getByTestId('save-confirm').click();
    const deleted = page.getByTestId('save-deleted');
    await deleted.waitFor();
    expect(await deleted.textContent()).toContain('doomed was deleted since you opened it. Your changes are still on the canvas.');
    expect(await page.getByTestId('save-dialog').textContent()).not.toContain('POST /api/pipelines');
    await page.getByTestId('save-recreate').click();
    // the canvas showed v1 before the save too: wait for the save itself
    await page.getByTestId('toast').filter({ hasText: 'Saved version 1' }).waitFor();
    await expect.poll(() => page.getByTestId('shown-version').textContent()).toBe('v1');
    const saved = (await server.api('GET', '/api/pipelines/doomed/versions/1')) as { document: PipelineDocument; message: string };
    expect(saved.message).toBe('mine');
    expect(saved.document.nodes.find((n) => n.id === 'answer')?.config.prompt).toBe('Kept: {{ question }}');
  });
});

