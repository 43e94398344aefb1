// A pipeline's four views (Editor, Evals, Deploy, Monitoring) share one header: ← all pipelines,
// the pipeline's name, and the same links between the views, the one shown marked. A user goes
// round them by the header alone, by mouse and by keyboard, and at 1440 px and in a narrow
// window (below the 900 px breakpoint) nothing in the header or on the page overlaps or runs out
// of the window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { qaPipeline, startEditorSession, type EditorSession } from './support/session';
import { finishedEval } from './support/settled';

const NAME = 'customer-support-assistant';
let session: EditorSession;
let page: Page;
let second: string;

beforeAll(async () => {
  session = await startEditorSession({
    seed: async (api) => {
      await api('POST', '/api/pipelines', qaPipeline('{{ question }}', NAME));
      await api('POST', `/api/pipelines/${NAME}/versions`, { document: qaPipeline('Answer: {{ question }}', NAME), message: 'say it is an answer', baseVersion: 1 });
      await api('POST', '/api/datasets', { name: 'cities', cases: [{ id: 'paris', input: { question: 'Paris' }, expected: 'Paris' }, { id: 'rome', input: { question: 'Rome' }, expected: 'Rome' }] });
      const first = await finishedEval(api, { pipeline: NAME, version: 1, dataset: 'cities', suite: { scorers: [{ name: 'mentions', type: 'contains' }] } });
      second = await finishedEval(api, { pipeline: NAME, version: 2, dataset: 'cities', suite: { scorers: [{ name: 'mentions', type: 'contains' }] }, baseline: first });
      await api('PUT', `/api/pipelines/${NAME}/labels/production`, { version: 1 });
      for (const question of ['hello', 'where is my order']) await api('POST', `/api/pipelines/${NAME}/run`, { inputs: { question } });
    },
  });
  page = session.page;
});
afterAll(() => session?.close());

const views = () => page.getByRole('navigation', { name: 'Pipeline views' });
/** The view links' names, and which one says it is the current page. */
const current = () => views().locator('a[aria-current="page"]').textContent();

/**
 * layoutProblems once the page has settled: fonts loaded, then read again every 100 ms until none is left
 * (charts lay out after their data, a web font changes widths) or 5 s have passed. A layout that is wrong
 * stays wrong, and what is still there at the end is the answer; a fixed wait read a page mid-layout on a
 * loaded machine.
 */
async function settledLayoutProblems(page: Page): Promise<string[]> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  const deadline = Date.now() + 5_000;
  let problems = await layoutProblems(page);
  while (problems.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    problems = await layoutProblems(page);
  }
  return problems;
}

/** What on the page overlaps or leaves the window: the header's parts, the controls row, the cards' contents. */
function layoutProblems(page: Page) {
  return page.evaluate(() => {
    const problems: string[] = [];
    const say = (el: Element) => `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 30)}"`;
    const shown = (el: Element) => el.getClientRects().length > 0;
    if (document.scrollingElement!.scrollWidth > window.innerWidth) problems.push('the page scrolls sideways');
    for (const bar of document.querySelectorAll('.pipeline-header, .monitoring-controls, .subtabs')) {
      const parts = [...bar.querySelectorAll('button, a, h1, select, label, .badge, .muted')].filter(shown);
      for (const el of parts) {
        const r = el.getBoundingClientRect();
        if (r.left < 0 || r.right > window.innerWidth + 1) problems.push(`${say(el)} leaves the window`);
      }
      for (const [i, a] of parts.entries())
        for (const b of parts.slice(i + 1)) {
          if (a.contains(b) || b.contains(a)) continue;
          const [ra, rb] = [a.getBoundingClientRect(), b.getBoundingClientRect()];
          const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
          const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
          if (w > 1 && h > 1) problems.push(`${say(a)} overlaps ${say(b)}`);
        }
    }
    for (const scroller of document.querySelectorAll('.evals-main, .monitoring-main')) if (scroller.scrollWidth > scroller.clientWidth + 1) problems.push(`${scroller.className} scrolls sideways`);
    // a table may scroll inside its own box (.table-scroll); anything else sticking out of its card is an overflow
    const clips = (el: Element) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(el).overflowX);
    for (const card of document.querySelectorAll('.evals-card, .monitoring-card')) {
      const right = card.getBoundingClientRect().right;
      for (const el of card.querySelectorAll('*')) {
        if (!shown(el) || el.getBoundingClientRect().right <= right + 1) continue;
        let clipped = false;
        for (let up = el.parentElement; up && up !== card; up = up.parentElement) if (clips(up)) clipped = true;
        if (!clipped) problems.push(`${say(el)} sticks out of its card`);
      }
    }
    return [...new Set(problems)];
  });
}

describe("a pipeline's header", () => {
  it('takes a user Editor → Evals → Deploy → Monitoring → Editor, marking the view shown', async () => {
    await page.goto(`${session.server.url}/pipelines/${NAME}`);
    await page.locator('.react-flow__node').first().waitFor();
    expect(await current()).toBe('Editor');
    expect(await views().getByRole('link').allTextContents()).toEqual(['Editor', 'Evals', 'Deploy', 'Monitoring']);
    const tour: [string, RegExp, string][] = [
      ['Evals', /\/evals$/, 'evals-page'],
      ['Deploy', /\/deploy$/, 'deploy-page'],
      ['Monitoring', /\/monitoring(\?.*)?$/, 'monitoring-page'],
    ];
    for (const [view, address, testId] of tour) {
      await views().getByRole('link', { name: view }).click();
      await page.waitForURL(address);
      await page.getByTestId(testId).waitFor();
      expect(await current()).toBe(view);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(NAME);
      expect(await views().getByRole('link').allTextContents()).toEqual(['Editor', 'Evals', 'Deploy', 'Monitoring']);
    }
    await views().getByRole('link', { name: 'Editor' }).click();
    await page.waitForURL(new RegExp(`/pipelines/${NAME}$`));
    await page.locator('.react-flow__node').first().waitFor();
    expect(await current()).toBe('Editor');
  });

  it('is reachable by keyboard: Tab reaches the links after ← and the name, Enter follows one', async () => {
    await page.goto(`${session.server.url}/pipelines/${NAME}/deploy`);
    await page.getByTestId('labels-card').waitFor();
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent || ''));
    }
    expect(order).toEqual(['All pipelines', 'Editor', 'Evals', 'Deploy', 'Monitoring']);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Evals');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/evals$/);
    expect(await current()).toBe('Evals');
    // ← is all pipelines, from every view
    await page.getByRole('button', { name: 'All pipelines' }).click();
    await page.getByTestId(`open-${NAME}`).waitFor();
  });

  // 480 px: a phone held upright, where the canvas's palette and inspector columns leave no canvas (not checked there)
  for (const width of [1440, 860, 480]) {
    it(`at ${width} px: nothing in the header or on the list, canvas, evals (an eval's result too), compare, deploy and monitoring (a step's runs open) overlaps or leaves the window`, async () => {
      await page.setViewportSize({ width, height: 900 });
      // each page as it first opens, and with what a user opens on it: a result, a step's runs
      const pages: [string, string, (() => Promise<unknown>)?][] = [
        ['/', 'pipeline-list'],
        ...(width > 480 ? [[`/pipelines/${NAME}`, 'editor'] as [string, string]] : []),
        [`/pipelines/${NAME}/evals`, 'eval-history'],
        [`/pipelines/${NAME}/evals?eval=${second}`, 'eval-result'],
        [`/pipelines/${NAME}/compare`, 'scorer-table'],
        [`/pipelines/${NAME}/deploy`, 'deploy-history'],
        [`/pipelines/${NAME}/monitoring`, 'node-table', async () => {
          await page.getByTestId('chart-Throughput (runs per step)').getByTestId('chart-point').last().click();
          await page.getByTestId('bucket-runs').locator('.run-row').first().waitFor();
        }],
      ];
      const found: Record<string, string[]> = {};
      for (const [address, ready, open] of pages) {
        await page.goto(session.server.url + address);
        await page.getByTestId(ready).first().waitFor();
        await open?.();
        found[address] = await settledLayoutProblems(page);
        if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/${width}${address.replaceAll(/[/?=]/g, '_')}.png` });
      }
      expect(found).toEqual(Object.fromEntries(pages.map(([address]) => [address, []])));
    });
  }
});
