// The editor from the keyboard (focus ring, React Flow's node focus, Enter into the inspector,
// arrows moving the selection, the panel tabs) and node cards that read at the default zoom.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { PipelineDocument, PipelineNode } from '@patchbay/core';
import { launchChromium } from './support/browser';
import { startEditorServer } from './support/runner';

let server: Awaited<ReturnType<typeof startEditorServer>>;
let browser: Browser;
let page: Page;

/** Ten nodes in five columns, as a person lays out a small pipeline: wider than the canvas at 100%. */
function tenNodes(): PipelineDocument {
  const at = (col: number, row: number) => ({ x: col * 320, y: row * 180 });
  const nodes: PipelineNode[] = [
    { id: 'question', type: 'input', position: at(0, 0), config: { name: 'question', valueType: 'string' } },
    { id: 'topic', type: 'input', position: at(0, 1), config: { name: 'topic', valueType: 'string' } },
    { id: 'route', type: 'router', position: at(1, 0), config: { routes: [{ port: 'long', when: '$length($) > 200' }] } },
    { id: 'search', type: 'retrieve', position: at(1, 1), config: { index: 'docs', topK: 4, mode: 'keyword' } },
    { id: 'context', type: 'template', position: at(2, 1), config: { template: 'Context: {{ docs }}' } },
    { id: 'answer', type: 'llm', position: at(2, 0), config: { model: 'offline:echo', prompt: 'Question: {{ question }}' } },
    { id: 'short', type: 'transform', position: at(3, 1), config: { expression: '$substring($, 0, 100)' } },
    { id: 'pick', type: 'merge', position: at(3, 0), config: { inputs: ['a', 'b'] } },
    { id: 'result', type: 'output', position: at(4, 0), config: { name: 'answer' } },
    { id: 'summary', type: 'output', position: at(4, 1), config: { name: 'summary' } },
  ];
  const edges = [
    ['question.value', 'route.value'],
    ['route.default', 'answer.question'],
    ['topic.value', 'search.query'],
    ['search.documents', 'context.docs'],
    ['context.text', 'short.value'],
    ['answer.text', 'pick.a'],
    ['short.value', 'pick.b'],
    ['pick.value', 'result.value'],
    ['short.value', 'summary.value'],
  ].map(([from, to]) => ({ from, to }));
  return { format: 'patchbay.pipeline/v1', name: 'ten', nodes, edges };
}

const activeTestId = () => page.evaluate(() => document.activeElement?.closest('[data-testid]')?.getAttribute('data-testid') ?? document.activeElement?.tagName);

/** Presses Tab until `done` holds for the focused element (at most `max` times). */
async function tabUntil(done: () => Promise<boolean>, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await done()) return;
  }
  throw new Error(`Tab never got there; focus is on ${await activeTestId()}`);
}

beforeAll(async () => {
  server = await startEditorServer();
  const created = await fetch(`${server.url}/api/pipelines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tenNodes()) });
  expect(created.status).toBe(201);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${server.url}/pipelines/ten`);
  await page.getByTestId('node-answer').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('node cards at the default zoom', () => {
  it('a 10-node pipeline at 1440×900 opens with all of it in view; at 100 % every card text is 11 px or more, summaries shown', async () => {
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(10);
    const { zoom, cutOff, smallest } = await page.evaluate(() => {
      const canvas = document.querySelector('[data-testid="canvas"]')!.getBoundingClientRect();
      const cutOff = [...document.querySelectorAll<HTMLElement>('.react-flow__node')]
        .filter((node) => {
          const box = node.getBoundingClientRect();
          return box.left < canvas.left || box.right > canvas.right || box.top < canvas.top || box.bottom > canvas.bottom;
        })
        .map((node) => node.dataset.id);
      let smallest = Infinity;
      const walker = document.createTreeWalker(document.querySelector('.react-flow__nodes')!, NodeFilter.SHOW_TEXT);
      for (let text = walker.nextNode(); text; text = walker.nextNode()) {
        if (!text.textContent?.trim()) continue;
        smallest = Math.min(smallest, parseFloat(getComputedStyle(text.parentElement!).fontSize));
      }
      const zoom = new DOMMatrixReadOnly(getComputedStyle(document.querySelector('.react-flow__viewport')!).transform).a;
      return { zoom, cutOff, smallest };
    });
    // opened as Fit shows it (zoom in where you work); the cards' own text reads at 100 %
    expect(cutOff).toEqual([]);
    expect(zoom).toBeLessThan(1);
    expect(smallest).toBeGreaterThanOrEqual(11);
    expect(await page.getByTestId('node-summary-answer').textContent()).toContain('offline:echo');
    expect(await page.getByTestId('node-summary-search').textContent()).toContain('docs · keyword · top 4');
  });

  it("keeps every port's name and type inside its card, and its handle on the card's edge", async () => {
    // retrieve's output reads "documents documents", wider than half a card: it once ran out of the
    // card, and its handle (where the edge starts) hung in empty canvas to the right
    const escapes = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.react-flow__node .pb-node')].flatMap((card) => {
        const box = card.getBoundingClientRect();
        const id = card.dataset.testid;
        const text = [...card.querySelectorAll('.port > :not(.react-flow__handle)')]
          .filter((el) => el.getBoundingClientRect().right > box.right + 1 || el.getBoundingClientRect().left < box.left - 1)
          .map((el) => `${id}: "${el.textContent}" runs out of the card`);
        const handles = [...card.querySelectorAll('.react-flow__handle')]
          .filter((h) => {
            const r = h.getBoundingClientRect();
            const middle = (r.left + r.right) / 2;
            const edge = h.classList.contains('source') ? box.right : box.left;
            return Math.abs(middle - edge) > 3;
          })
          .map((h) => `${id}: handle ${h.getAttribute('data-testid')} is off the card's edge`);
        return [...text, ...handles];
      }),
    );
    expect(escapes).toEqual([]);
    expect(await page.getByTestId('node-search').locator('.port.out').getAttribute('title')).toBe('documents: documents');
  });
});

describe('the editor from the keyboard', () => {
  it('Tab reaches the toolbar with a visible focus ring', async () => {
    await page.locator('body').click({ position: { x: 5, y: 895 } });
    await tabUntil(async () => (await activeTestId()) === 'fit-button');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle + ' ' + getComputedStyle(document.activeElement!).outlineWidth);
    expect(outline).toBe('solid 2px');
  });

  it('Tab reaches a node; Enter selects it and puts the focus in the inspector; Escape goes back', async () => {
    await tabUntil(() => page.evaluate(() => document.activeElement?.classList.contains('react-flow__node') ?? false));
    const focused = await page.evaluate(() => (document.activeElement as HTMLElement).dataset.id!);
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => !!document.activeElement?.closest('[data-testid="inspector"]'))).toBe(true);
    expect(await page.getByTestId('inspector').locator('h2 code').textContent()).toBe(focused);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLElement).dataset.id)).toBe(focused);
  });

  it('arrow keys move the selected node', async () => {
    const node = page.locator('.react-flow__node:focus');
    const before = await node.evaluate((el) => new DOMMatrixReadOnly(getComputedStyle(el).transform).m41);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => node.evaluate((el) => new DOMMatrixReadOnly(getComputedStyle(el).transform).m41)).toBeGreaterThan(before);
    expect(await page.getByTestId('unsaved').isVisible()).toBe(true);
  });

  it('the panel tabs move with the arrow keys, and the run form is next in the Tab order', async () => {
    await tabUntil(async () => ((await activeTestId()) ?? '').startsWith('tab-'));
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('tab-run').getAttribute('aria-selected')).toBe('true');
    expect(await activeTestId()).toBe('tab-run');
    await page.keyboard.press('Tab');
    expect(await activeTestId()).toMatch(/^run-input-/);
  });
});
