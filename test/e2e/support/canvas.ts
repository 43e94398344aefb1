import type { Page } from 'playwright-core';

/** Drags a node type from the palette and drops it at (x, y) in the canvas's own coordinates (pixels from its top-left). */
export async function dropFromPalette(page: Page, type: string, x: number, y: number): Promise<void> {
  await page.getByTestId(`palette-${type}`).dragTo(page.getByTestId('canvas'), { targetPosition: { x, y } });
}

/** Presses the mouse on one handle and releases it on another, as a person drawing an edge does. */
export async function dragHandle(page: Page, fromTestId: string, toTestId: string): Promise<void> {
  const from = await page.getByTestId(fromTestId).boundingBox();
  const to = await page.getByTestId(toTestId).boundingBox();
  if (!from || !to) throw new Error(`handle not on screen: ${!from ? fromTestId : toTestId}`);
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 5 });
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 5 });
  await page.mouse.up();
}

/** Selects a node by clicking its header; done once the inspector's heading names it (a picker's option may hold the same word). */
export async function selectNode(page: Page, id: string): Promise<void> {
  await page.getByTestId(`node-${id}`).locator('header').click();
  await page.getByTestId('inspector').getByRole('heading', { level: 2 }).getByText(id, { exact: true }).waitFor();
}

/** The edges drawn on the canvas, as `from->to` ids. */
export async function edgeIds(page: Page): Promise<string[]> {
  return page.locator('.react-flow__edge').evaluateAll((els) => els.map((el) => el.getAttribute('data-id') ?? '').sort());
}

export async function nodeIds(page: Page): Promise<string[]> {
  return page.locator('.react-flow__node').evaluateAll((els) => els.map((el) => el.getAttribute('data-id') ?? '').sort());
}
