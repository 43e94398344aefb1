import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qaPipeline, startEditorSession, type EditorSession } from './support/session';

// One page is 100 items (pipelines, versions, evals, and the Runs list's page): seed past it.
const PIPELINES = 104;
const VERSIONS = 101;
const RUNS = 103;
const EVALS = 101;

let session: EditorSession;

beforeAll(async () => {
  session = await startEditorSession({
    seed: async (api) => {
      for (let i = 0; i < PIPELINES; i++) await api('POST', '/api/pipelines', qaPipeline('{{ question }}', `p-${String(i).padStart(3, '0')}`));
      for (let v = 2; v <= VERSIONS; v++) await api('POST', '/api/pipelines/p-000/versions', { document: qaPipeline(`v${v}: {{ question }}`, 'p-000'), message: `version ${v}`, baseVersion: v - 1 });
      for (let i = 0; i < RUNS; i++) await api('POST', '/api/runs', { pipeline: 'p-000', inputs: { question: `q${i}` } });
      // Evals of one case each, on p-001 (so p-000's runs stay as many as above).
      await api('POST', '/api/datasets', { name: 'one', cases: [{ id: 'a', input: { question: 'hi' }, expected: 'hi' }] });
      for (let i = 0; i < EVALS; i++) {
        const { id } = await api('POST', '/api/evals', { pipeline: 'p-001', dataset: 'one', suite: { scorers: [{ name: 'says', type: 'contains' }] } });
        while ((await api('GET', `/api/evals/${id}`)).status === 'running') await new Promise((r) => setTimeout(r, 10));
      }
    },
  });
}, 180_000);
afterAll(() => session?.close());

describe('lists longer than a page', () => {
  it('the pipelines list shows the first page, and Load more brings the rest', async () => {
    const { page, server } = session;
    await page.goto(server.url);
    const rows = page.locator('[data-testid^="pipeline-row-"]');
    await expect.poll(() => rows.count()).toBe(100);
    await page.getByTestId('load-more').click();
    await expect.poll(() => rows.count()).toBe(PIPELINES);
    await page.getByTestId(`pipeline-row-p-${String(PIPELINES - 1).padStart(3, '0')}`).waitFor();
    // the last page: no more to load
    expect(await page.getByTestId('load-more').count()).toBe(0);
  });

  it('the versions panel pages from the newest to version 1', async () => {
    const { page, server } = session;
    await page.goto(`${server.url}/pipelines/p-000`);
    await page.getByTestId('tab-versions').click();
    await page.getByTestId(`version-${VERSIONS}`).waitFor();
    const rows = page.locator('[data-testid^="version-"]');
    await expect.poll(() => rows.count()).toBe(100);
    expect(await page.getByTestId('version-1').count()).toBe(0);
    await page.getByTestId('versions-panel').getByTestId('load-more').click();
    await page.getByTestId('version-1').waitFor();
    expect(await rows.count()).toBe(VERSIONS);
    expect(await page.getByTestId('versions-panel').getByTestId('load-more').count()).toBe(0);
  });

  it('the runs list says there are more, and Load more lists every run', async () => {
    const { page, server } = session;
    await page.goto(`${server.url}/pipelines/p-000`);
    await page.getByTestId('tab-runs').click();
    const list = page.getByTestId('runs-browser');
    const rows = list.locator('.run-row');
    await expect.poll(() => rows.count()).toBe(100);
    expect(await list.getByTestId('runs-count').textContent()).toMatch(/^100\+ runs/);
    await list.getByTestId('load-more').click();
    await expect.poll(() => rows.count()).toBe(RUNS);
    expect(await list.getByTestId('runs-count').textContent()).toMatch(new RegExp(`^${RUNS} runs`));
    expect(await list.getByTestId('load-more').count()).toBe(0);
  });

  it('the evals history pages too', async () => {
    const { page, server } = session;
    await page.goto(`${server.url}/pipelines/p-001/evals`);
    const rows = page.locator('[data-testid^="eval-row-"]');
    await expect.poll(() => rows.count()).toBe(100);
    await page.getByTestId('evals-page').getByTestId('load-more').click();
    await expect.poll(() => rows.count()).toBe(EVALS);
    expect(await page.getByTestId('evals-page').getByTestId('load-more').count()).toBe(0);
  });
});
