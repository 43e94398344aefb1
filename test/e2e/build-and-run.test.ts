import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { dragHandle, dropFromPalette, edgeIds, nodeIds, selectNode } from './support/canvas';
import { startEditorServer } from './support/runner';

let server: Awaited<ReturnType<typeof startEditorServer>>;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startEditorServer();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('building a pipeline in the browser', () => {
  it('creates a pipeline from the list page and opens it', async () => {
    await page.goto(server.url);
    await page.getByTestId('new-pipeline-name').fill('built-by-hand');
    await page.getByTestId('create-pipeline').click();
    await page.waitForURL(/\/pipelines\/built-by-hand\?draft=1$/);
    // a draft: nothing is stored until it is saved
    await expect.poll(() => page.getByTestId('shown-version').textContent()).toBe('unsaved');
  });

  it('drags input, llm and output from the palette onto the canvas', async () => {
    await dropFromPalette(page, 'input', 120, 150);
    await dropFromPalette(page, 'llm', 420, 150);
    await dropFromPalette(page, 'output', 720, 150);
    await expect.poll(() => nodeIds(page)).toEqual(['input1', 'llm1', 'output1']);
  });

  it('adds an input port to the llm node as its prompt is typed', async () => {
    await selectNode(page, 'llm1');
    await page.getByTestId('field-model').selectOption('offline:echo');
    await expect(page.getByTestId('handle-llm1-in-question').count()).resolves.toBe(0);
    await page.getByTestId('field-prompt').fill('Echo: {{ question }}');
    await page.getByTestId('handle-llm1-in-question').waitFor();
    expect(await page.getByTestId('variables-prompt').textContent()).toContain('question');
  });

  it('connects the handles and the problems go away', async () => {
    await dragHandle(page, 'handle-input1-out-value', 'handle-llm1-in-question');
    await dragHandle(page, 'handle-llm1-out-text', 'handle-output1-in-value');
    await expect.poll(() => edgeIds(page)).toEqual(['input1.value->llm1.question', 'llm1.text->output1.value']);
    await page.getByTestId('no-problems').waitFor();
  });

  it('refuses a connection between mismatched types and says why', async () => {
    await dropFromPalette(page, 'retrieve', 420, 420);
    await page.getByTestId('node-retrieve1').waitFor();
    // llm usage is json; retrieve's query is a string: no coercion from json to string
    await dragHandle(page, 'handle-llm1-out-usage', 'handle-retrieve1-in-query');
    const toast = page.getByTestId('toast-error').filter({ hasText: 'Connection refused' });
    await toast.waitFor();
    expect(await toast.textContent()).toContain('a json output cannot feed a string input');
    expect(await edgeIds(page)).toEqual(['input1.value->llm1.question', 'llm1.text->output1.value']);
    // take the retrieve node out again: it has problems of its own (no index)
    await selectNode(page, 'retrieve1');
    await page.keyboard.press('Delete');
    await expect.poll(() => nodeIds(page)).toEqual(['input1', 'llm1', 'output1']);
  });

  it('runs the pipeline, streams node states and shows the output', async () => {
    await page.getByTestId('tab-run').click();
    await page.getByTestId('run-input-input1').fill('hello from the browser');
    await page.getByTestId('run-button').click();
    const output = page.getByTestId('run-output-output1');
    await output.waitFor();
    expect(await output.textContent()).toBe('Echo: hello from the browser');
    // the output's value arrives a moment before the run's own finish event: wait for it, do not race it
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('succeeded');
    for (const id of ['input1', 'llm1', 'output1']) await expect.poll(() => page.getByTestId(`node-${id}`).getAttribute('data-status')).toBe('succeeded');
    expect(await page.getByTestId('node-text-llm1').textContent()).toBe('Echo: hello from the browser');
  });

  it('shows what the run did at a node when it is clicked', async () => {
    await selectNode(page, 'llm1');
    const details = page.getByTestId('node-run-details');
    await details.waitFor();
    expect(await details.getByTestId('node-run-status').textContent()).toBe('succeeded');
    expect(JSON.parse((await details.getByTestId('node-run-inputs').textContent())!)).toEqual({ question: 'hello from the browser' });
    expect(await details.getByTestId('node-run-outputs').textContent()).toContain('Echo: hello from the browser');
    expect(await details.getByTestId('node-run-tokens').textContent()).toMatch(/\d+ in, \d+ out/);
    expect(await details.getByTestId('node-run-duration').textContent()).toMatch(/^\d+(\.\d+)? ms$/);
  });

  it('lays the pipeline out left to right, as one undo step', async () => {
    const positions = () =>
      page.locator('.react-flow__node').evaluateAll((els) =>
        Object.fromEntries(els.map((el) => [el.getAttribute('data-id'), new DOMMatrixReadOnly(getComputedStyle(el).transform).m41 + ',' + new DOMMatrixReadOnly(getComputedStyle(el).transform).m42])),
      );
    const before = await positions();
    await page.getByTestId('layout-button').click();
    await expect.poll(positions).not.toEqual(before);
    const after = await positions();
    const x = (id: string) => Number(after[id].split(',')[0]);
    expect(x('input1')).toBeLessThan(x('llm1'));
    expect(x('llm1')).toBeLessThan(x('output1'));
    await page.getByTestId('canvas').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Control+z');
    await expect.poll(positions).toEqual(before);
  });

  it('lays out a document saved without positions as it opens', async () => {
    const doc = {
      format: 'patchbay.pipeline/v1',
      name: 'unplaced',
      nodes: [
        { id: 'result', type: 'output', config: { name: 'answer' } },
        { id: 'answer', type: 'llm', config: { model: 'offline:echo', prompt: '{{ question }}' } },
        { id: 'question', type: 'input', config: { name: 'question', valueType: 'string' } },
      ],
      edges: [
        { from: 'question.value', to: 'answer.question' },
        { from: 'answer.text', to: 'result.value' },
      ],
    };
    const saved = await fetch(`${server.url}/api/pipelines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
    expect(saved.status).toBe(201);
    await page.goto(`${server.url}/pipelines/unplaced`);
    await expect.poll(() => nodeIds(page)).toEqual(['answer', 'question', 'result']);
    const box = async (id: string) => (await page.getByTestId(`node-${id}`).boundingBox())!;
    const [question, answer, result] = [await box('question'), await box('answer'), await box('result')];
    // along the edges, left to right, none on top of another
    expect(question.x + question.width).toBeLessThan(answer.x);
    expect(answer.x + answer.width).toBeLessThan(result.x);
  });

  it('brings every node back into view with Fit after panning them away', async () => {
    const canvas = (await page.getByTestId('canvas').boundingBox())!;
    // the nodes drawn wholly inside the canvas (nodes off screen are not drawn at all)
    const inside = () =>
      page.locator('.react-flow__node').evaluateAll(
        (els, c) =>
          els
            .filter((el) => {
              const b = el.getBoundingClientRect();
              return b.left >= c.x && b.top >= c.y && b.right <= c.x + c.width && b.bottom <= c.y + c.height;
            })
            .map((el) => el.getAttribute('data-id'))
            .sort(),
        canvas,
      );
    // drag the empty pane down and right, twice: the pipeline leaves the view
    for (let i = 0; i < 2; i++) {
      await page.mouse.move(canvas.x + 15, canvas.y + 15);
      await page.mouse.down();
      await page.mouse.move(canvas.x + canvas.width - 15, canvas.y + canvas.height - 15, { steps: 10 });
      await page.mouse.up();
    }
    await expect.poll(inside).toEqual([]);
    await page.getByTestId('fit-button').click();
    await expect.poll(inside).toEqual(['answer', 'question', 'result']);
  });
});
