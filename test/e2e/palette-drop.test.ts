import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { dropFromPalette, nodeIds } from './support/canvas';
import { startEditorSession, type EditorSession } from './support/session';

// A node dropped from the palette is carried by its middle: it lands centred on the cursor, and wholly on the canvas.
let session: EditorSession;
let page: Page;

beforeAll(async () => {
  session = await startEditorSession();
  page = session.page;
});
afterAll(() => session?.close());

const box = async (testId: string | undefined, selector?: string) => (await (selector ? page.locator(selector) : page.getByTestId(testId!)).boundingBox())!;

describe('dropping a node from the palette', () => {
  it('centres it on the cursor', async () => {
    await page.goto(`${session.server.url}/pipelines/dropped?draft=1`);
    await page.getByTestId('canvas').waitFor();
    const canvas = await box('canvas');
    await dropFromPalette(page, 'llm', 400, 300);
    await expect.poll(() => nodeIds(page)).toEqual(['llm1']);
    const node = await box(undefined, '.react-flow__node[data-id="llm1"]');
    // the cursor is at the node's middle, across and down: the node is placed by the size it is drawn at
    expect(Math.abs(node.x + node.width / 2 - (canvas.x + 400))).toBeLessThanOrEqual(2);
    expect(Math.abs(node.y + node.height / 2 - (canvas.y + 300))).toBeLessThanOrEqual(2);
  });

  it('centres a compact card by its own height too', async () => {
    await page.getByTestId('card-detail-toggle').click();
    const canvas = await box('canvas');
    await dropFromPalette(page, 'input', 400, 150);
    await expect.poll(() => nodeIds(page)).toEqual(['input1', 'llm1']);
    const node = await box(undefined, '.react-flow__node[data-id="input1"]');
    expect(Math.abs(node.x + node.width / 2 - (canvas.x + 400))).toBeLessThanOrEqual(2);
    expect(Math.abs(node.y + node.height / 2 - (canvas.y + 150))).toBeLessThanOrEqual(2);
    await page.getByTestId('card-detail-toggle').click();
  });

  it('keeps a drop near the right or bottom edge wholly on the canvas', async () => {
    const canvas = await box('canvas');
    await dropFromPalette(page, 'output', canvas.width - 5, canvas.height - 5);
    await expect.poll(() => nodeIds(page)).toEqual(['input1', 'llm1', 'output1']);
    const node = await box(undefined, '.react-flow__node[data-id="output1"]');
    expect(node.x + node.width).toBeLessThanOrEqual(canvas.x + canvas.width + 1);
    expect(node.y + node.height).toBeLessThanOrEqual(canvas.y + canvas.height + 1);
    expect(node.x).toBeGreaterThanOrEqual(canvas.x);
  });
});
