import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { PipelineDocument } from '@patchbay/core';
import { expectAccessible } from './support/axe';
import { qaPipeline, startEditorSession, type EditorSession } from './support/session';

// A label another pipeline's labelled version calls is part of what that label deploys: the runner refuses a move
// that would stop the caller (409 label-has-callers). The editor says why and offers the forced move, asked twice.
let session: EditorSession;
let page: Page;
const api = (method: string, p: string, body?: unknown) => session.api(method, p, body);

/** The qa pipeline with its output named `reply`: a caller wiring its `answer` cannot run. */
function renamedOutput(name: string): PipelineDocument {
  const doc = qaPipeline('{{ question }}', name);
  doc.nodes[2].config = { name: 'reply' };
  return doc;
}

/** input `question` → a pipeline node calling `ref` → output. */
function caller(name: string, ref: string): PipelineDocument {
  return {
    format: 'patchbay.pipeline/v1',
    name,
    nodes: [
      { id: 'q', type: 'input', position: { x: 0, y: 0 }, config: { name: 'question', valueType: 'string' } },
      { id: 'call', type: 'pipeline', position: { x: 320, y: 0 }, config: { ref } },
      { id: 'out', type: 'output', position: { x: 640, y: 0 }, config: { name: 'answer' } },
    ],
    edges: [
      { from: 'q.value', to: 'call.question' },
      { from: 'call.answer', to: 'out.value' },
    ],
  } as PipelineDocument;
}

const childHistory = async () => (await api('GET', '/api/pipelines/child/deployments')).deployments;
const childProduction = async () => (await api('GET', '/api/pipelines/child/labels')).labels.production?.version;

beforeAll(async () => {
  session = await startEditorSession({
    seed: async (api) => {
      // child v1 answers `reply`, v2 `answer`; production went v1 → v2, and then parent@production came to call it
      await api('POST', '/api/pipelines', renamedOutput('child'));
      await api('POST', '/api/pipelines/child/versions', { document: qaPipeline('{{ question }}', 'child'), message: 'answer', baseVersion: 1 });
      await api('POST', '/api/datasets', { name: 'hello', cases: [{ id: 'h1', input: { question: 'hello' }, expected: 'hello' }] });
      await api('PUT', '/api/suites/child', { scorers: [{ name: 'mentions', type: 'contains' }] });
      await api('PUT', '/api/pipelines/child/labels/production', { version: 1 });
      await api('PUT', '/api/pipelines/child/labels/production', { version: 2 });
      await api('POST', '/api/pipelines', caller('parent', 'child@production'));
      await api('PUT', '/api/pipelines/parent/labels/production', { version: 1 });
    },
  });
  page = session.page;
});
afterAll(() => session?.close());

describe('a rollback that would stop a caller', () => {
  it('says which caller and why, and moves only on a deliberate second click, recorded as forced', async () => {
    await page.goto(`${session.server.url}/pipelines/child/deploy`);
    const row = page.getByTestId('deployment-production-0');
    await expect.poll(() => row.textContent()).toContain('v1 → v2');
    await row.getByRole('button', { name: 'Move production back to v1' }).click();

    const refused = page.getByTestId('rollback-refused');
    await refused.waitFor();
    expect(await refused.getByTestId('rollback-refused-reason').textContent()).toMatch(
      /^Moving production back to v1 would stop parent@production \(v1\) from running: it calls child@production, and with v1 there: edge call\.answer → out\.value: .*"answer".*\.$/,
    );
    expect(await refused.getByTestId('rollback-stays').textContent()).toBe('production stays at v2 unless you move parent@production first or move production anyway.');
    expect(await childProduction()).toBe(2);
    expect(await childHistory()).toHaveLength(2);
    await expectAccessible(page, 'deploy view, a rollback refused for its caller');

    // the first click only asks; the confirming button is elsewhere, so a double click cannot move it
    await refused.getByTestId('rollback-move-anyway').click();
    expect(await refused.getByTestId('rollback-confirm').locator('p').textContent()).toBe(
      'Move production back to v1 though parent@production would stop running? The history records the move as forced.',
    );
    await refused.getByTestId('rollback-move-cancel').click();
    await refused.getByTestId('rollback-move-anyway').waitFor();
    expect(await childProduction()).toBe(2);

    await refused.getByTestId('rollback-move-anyway').click();
    await refused.getByTestId('rollback-move-forced').click();
    await expect.poll(childProduction).toBe(1);
    expect((await childHistory())[0]).toMatchObject({ label: 'production', from: 2, to: 1, forced: true, note: 'rolled back from the editor; forced past a caller it stops: parent@production (v1)' });
    await expect.poll(() => page.getByTestId('deployment-production-0').textContent()).toContain('forced');
    expect(await page.getByTestId('rollback-refused').count()).toBe(0);
  });
});

describe('a refused rollback, then a Compare', () => {
  it('takes the refusal away once the user compares: it was about where the label was, not the fresh results', async () => {
    await api('PUT', '/api/pipelines/child/labels/production', { version: 2 });
    await page.goto(`${session.server.url}/pipelines/child/deploy`);
    const row = page.getByTestId('deployment-production-0');
    await expect.poll(() => row.textContent()).toContain('v1 → v2');
    await row.getByRole('button', { name: 'Move production back to v1' }).click();
    await page.getByTestId('rollback-refused').waitFor();

    await page.getByTestId('deploy-version').selectOption('1');
    await page.getByTestId('deploy-compare').click();
    await page.getByTestId('deploy-callers').waitFor();
    expect(await page.getByTestId('rollback-refused').count()).toBe(0);
    expect(await childProduction()).toBe(2);
  });
});

describe('a promotion that would stop a caller', () => {
  it('says which caller and why instead of a verdict, and moves only on a deliberate second click, recorded as forced', async () => {
    // back to v2, which parent@production runs with (nothing stops it: the caller could not run at v1)
    await api('PUT', '/api/pipelines/child/labels/production', { version: 2 });
    await page.goto(`${session.server.url}/pipelines/child/deploy`);
    await expect.poll(() => page.getByTestId('deploy-holder').textContent()).toBe('production points at v2 now.');
    await page.getByTestId('deploy-version').selectOption('1');
    await page.getByTestId('deploy-compare').click();
    const callers = page.getByTestId('deploy-callers');
    await callers.waitFor();
    expect(await callers.getByTestId('deploy-callers-reason').textContent()).toMatch(
      /^Moving production to v1 would stop parent@production \(v1\) from running: it calls child@production, and with v1 there: edge call\.answer → out\.value: .*\.$/,
    );
    expect(await page.getByTestId('deploy-error').count()).toBe(0);
    expect(await page.getByTestId('deploy-stays').textContent()).toBe('production stays at v2 unless you move it anyway.');
    await expectAccessible(page, 'deploy view, a promotion refused for its caller');

    await page.getByTestId('deploy-move-anyway').click();
    expect(await page.getByTestId('deploy-confirm').locator('p').textContent()).toBe(
      'Move production to v1 though parent@production would stop running? v1 is still evaluated and compared, and the history records the move as forced.',
    );
    await page.getByTestId('deploy-move-cancel').click();
    expect(await childProduction()).toBe(2);
    await page.getByTestId('deploy-move-anyway').click();
    await page.getByTestId('deploy-move-forced').click();
    await expect.poll(() => page.getByTestId('deploy-moved').textContent()).toBe('production: v2 → v1 — moved anyway; the history records it as forced.');
    expect((await childHistory())[0]).toMatchObject({ label: 'production', from: 2, to: 1, forced: true, evalId: expect.any(String) });
  });
});

describe('deleting a pipeline a caller needs', () => {
  it('says which caller and why, and deletes only on a deliberate second click', async () => {
    await api('PUT', '/api/pipelines/child/labels/production', { version: 2 });
    await page.goto(session.server.url);
    const row = page.getByTestId('pipeline-row-child');
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByTestId('confirm-delete-child').click();
    const refused = page.getByTestId('delete-refused');
    await refused.waitFor();
    // said right under the row whose Delete was clicked, not below the whole list
    expect(await page.locator('[data-testid="pipeline-row-child"] + tr [data-testid="delete-refused"]').count()).toBe(1);
    expect(await refused.getByTestId('delete-refused-reason').textContent()).toMatch(/^Deleting "child" would stop parent@production \(v1\) from running: it calls child: .*\.$/);
    expect(await refused.getByTestId('delete-stays').textContent()).toBe('child stays unless you move parent@production first or delete it anyway.');
    await expectAccessible(page, 'pipeline list, a delete refused for its caller');
    await refused.getByTestId('delete-move-anyway').click();
    expect(await refused.getByTestId('delete-confirm').locator('p').textContent()).toBe(
      'Delete child though parent@production would stop running? Its labels are removed with it, and the history records them as removed.',
    );
    await refused.getByTestId('delete-move-cancel').click();
    expect(await childProduction()).toBe(2);
    await refused.getByTestId('delete-move-anyway').click();
    await refused.getByTestId('delete-move-forced').click();
    await expect.poll(() => row.count()).toBe(0);
    expect(await page.getByTestId('delete-refused').count()).toBe(0);
    expect((await api('GET', '/api/pipelines/child/deployments')).deployments[0]).toMatchObject({ label: 'production', to: null });
  });
});
