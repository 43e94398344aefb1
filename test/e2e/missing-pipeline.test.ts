// An address about a pipeline that does not exist (a typo, a deleted pipeline, an old link): the
// page says so in one line with a way back and Try again, never a form that cannot work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { expectAccessible } from './support/axe';
import { qaPipeline, startEditorSession, type EditorSession } from './support/session';

let session: EditorSession;
let page: Page;

beforeAll(async () => {
  session = await startEditorSession();
  page = session.page;
});
afterAll(() => session?.close());

/** What the page shows once it has settled: its error lines, and whether any form control is on it. */
async function settled() {
  await page.getByTestId('page-error').waitFor();
  // the page's own requests have answered: nothing more will appear
  await page.waitForLoadState('networkidle');
  return {
    errors: await page.locator('.error-text').allTextContents(),
    controls: await page.locator('main input, main select, main textarea').count(),
    buttons: await page.locator('main button').allTextContents(),
  };
}

describe('a page about a pipeline that does not exist', () => {
  for (const view of ['deploy', 'evals', 'compare', 'monitoring']) {
    it(`/pipelines/nope/${view} says so once, with no form, a way back and Try again`, async () => {
      await page.goto(`${session.server.url}/pipelines/nope/${view}`);
      expect(await settled()).toEqual({ errors: ['there is no pipeline "nope"'], controls: 0, buttons: ['All pipelines', 'Try again'] });
      if (view === 'deploy') await expectAccessible(page, 'deploy page of a missing pipeline');
      await page.getByRole('button', { name: 'All pipelines' }).click();
      await page.waitForURL(`${session.server.url}/`);
    });
  }

  it('Try again shows the page once the pipeline exists (made in another tab meanwhile)', async () => {
    await page.goto(`${session.server.url}/pipelines/later/deploy`);
    await page.getByTestId('page-error').waitFor();
    await session.api('POST', '/api/pipelines', qaPipeline('{{ question }}', 'later'));
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByTestId('deploy-panel').waitFor();
    expect(await page.getByTestId('page-error').count()).toBe(0);
  });

  it('the canvas address of a missing pipeline offers Try again too', async () => {
    await page.goto(`${session.server.url}/pipelines/nope`);
    expect(await settled()).toEqual({ errors: ['there is no pipeline "nope"'], controls: 0, buttons: ['All pipelines', 'Try again'] });
  });
});
