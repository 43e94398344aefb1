// What a careless user types into the editor's forms: a name far too long, a name the runner
// cannot take. Each form says what is allowed in one line before it sends anything, and the
// layout holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { qaPipeline, startEditorSession, type EditorSession } from './support/session';
import { finishedEval } from './support/settled';

let session: EditorSession;
let page: Page;

beforeAll(async () => {
  session = await startEditorSession({
    seed: async (api) => {
      await api('POST', '/api/pipelines', qaPipeline('{{ question }}'));
      await api('POST', '/api/datasets', { name: 'tiny', cases: [{ id: 'a', input: { question: 'hi' }, expected: 'hi' }] });
      await api('PUT', '/api/suites/qa', { scorers: [{ name: 'mentions', type: 'contains' }] });
    },
  });
  page = session.page;
});
afterAll(() => session?.close());

/** Whether anything on the page is wider than the window or than the card it sits in. */
function overflow(page: Page, card: string) {
  return page.evaluate((testId) => {
    const box = document.querySelector(`[data-testid="${testId}"]`)!;
    const right = box.getBoundingClientRect().right;
    const sticksOut = [...box.querySelectorAll('*')].filter((el) => el.getBoundingClientRect().right > right + 1).map((el) => el.tagName.toLowerCase());
    return { page: document.scrollingElement!.scrollWidth > window.innerWidth, card: sticksOut };
  }, card);
}

/** The short words (a status, a link, a score) in the element that a line break cuts in two ("trac|e"). */
function brokenWords(page: Page, testId: string) {
  return page.evaluate((id) => {
    const broken: string[] = [];
    const walker = document.createTreeWalker(document.querySelector(`[data-testid="${id}"]`)!, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      // a line may end at a space or a hyphen ("found-|doc"), and a long id or a 300-character word may
      // wrap anywhere so it stays in its cell; a word of a few letters is never cut
      for (const word of text.textContent!.matchAll(/[^\s-]{2,20}/g)) {
        const range = document.createRange();
        range.setStart(text, word.index!);
        range.setEnd(text, word.index! + word[0].length);
        if (new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1) broken.push(word[0]);
      }
    }
    return broken;
  }, testId);
}

describe('the Deploy form’s label', () => {
  const cases: [string, string][] = [
    ['x'.repeat(300), 'Label: a label is at most 64 characters (this one has 300).'],
    ['Production', 'Label: a label is a slug: lowercase letters, digits and -, starting with a letter or digit.'],
    ['v3', 'Label: "v3" reads as version 3: a label cannot look like a version.'],
  ];
  for (const [label, reason] of cases) {
    it(`refuses ${label.length > 20 ? `a ${label.length}-character name` : `"${label}"`} in one line before sending, and nothing overflows`, async () => {
      await page.goto(`${session.server.url}/pipelines/qa/deploy`);
      await page.getByTestId('deploy-panel').waitFor();
      await expect.poll(() => page.getByTestId('deploy-compare').textContent()).toBe('Check v1');
      await page.getByTestId('deploy-label').fill(label);
      await expect.poll(() => page.getByTestId('deploy-label-problem').textContent()).toBe(reason);
      expect(await page.getByTestId('deploy-compare').isDisabled()).toBe(true);
      expect(await page.getByTestId('deploy-label').getAttribute('aria-invalid')).toBe('true');
      expect(await overflow(page, 'deploy-panel')).toEqual({ page: false, card: [] });
    });
  }

  it('takes a good label again, and a label of 64 characters', async () => {
    await page.getByTestId('deploy-label').fill('a'.repeat(64));
    await expect.poll(() => page.getByTestId('deploy-label-problem').count()).toBe(0);
    expect(await page.getByTestId('deploy-compare').isDisabled()).toBe(false);
    expect(await overflow(page, 'deploy-panel')).toEqual({ page: false, card: [] });
    await page.getByTestId('deploy-label').fill('staging');
    expect(await page.getByTestId('deploy-compare').isDisabled()).toBe(false);
  });
});

describe('the Save dialog’s message', () => {
  it('says the 10,000-character limit plainly before sending a longer message, and saves one at the limit', async () => {
    await page.goto(`${session.server.url}/pipelines/qa`);
    await page.getByTestId('node-answer').waitFor();
    await page.getByTestId('palette-template').click();
    await page.getByTestId('save-button').click();
    await page.getByTestId('save-message').fill('x'.repeat(10_001));
    await expect.poll(() => page.getByTestId('save-message-problem').textContent()).toBe('What changed: a version message is at most 10,000 characters (this one has 10,001).');
    expect(await page.getByTestId('save-confirm').isDisabled()).toBe(true);
    expect(await page.getByTestId('save-message').getAttribute('aria-invalid')).toBe('true');
    expect(await overflow(page, 'save-dialog')).toEqual({ page: false, card: [] });
    await page.getByTestId('save-message').press('Enter');
    expect((await session.api('GET', '/api/pipelines/qa/versions')).length).toBe(1);

    await page.getByTestId('save-message').press('Backspace');
    await expect.poll(() => page.getByTestId('save-message-problem').count()).toBe(0);
    await page.getByTestId('save-confirm').click();
    await page.getByTestId('toast').filter({ hasText: 'Saved version 2' }).waitFor();
    const [latest] = await session.api('GET', '/api/pipelines/qa/versions');
    expect(latest.message).toHaveLength(10_000);
  });

  it('the API refuses a longer message with the same limit, naming the path', async () => {
    const { document } = await session.api('GET', '/api/pipelines/qa');
    const answer = await session.server.request('POST', '/api/pipelines/qa/versions', { document, message: 'x'.repeat(10_001), baseVersion: 2 });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: '$.message', message: 'a version message is at most 10,000 characters' }]);
  });
});

describe('names on the monitoring and evals pages', () => {
  const long = 'n'.repeat(300);

  it('a 300-character monitor or alert rule name stays inside its card, and Save says the limit plainly next to the field', async () => {
    await page.goto(`${session.server.url}/pipelines/qa/monitoring`);
    await page.getByTestId('monitors-editor').getByText('No monitors yet.').waitFor();
    await page.getByTestId('add-monitor').click();
    await page.getByTestId('add-rule').click();
    await page.locator('#monitor-0-name').fill(long);
    await page.locator('#rule-0-name').fill(long);
    expect(await overflow(page, 'monitors-editor')).toEqual({ page: false, card: [] });
    expect(await overflow(page, 'rules-editor')).toEqual({ page: false, card: [] });
    await page.getByTestId('save-monitors').click();
    await expect.poll(() => page.getByTestId('problem-monitor-0-name').textContent()).toBe('a name is at most 64 characters');
    await page.getByTestId('save-rules').click();
    await expect.poll(() => page.getByTestId('problem-rule-0-name').textContent()).toBe('a name is at most 64 characters');
    expect(await overflow(page, 'monitors-editor')).toEqual({ page: false, card: [] });
    expect(await overflow(page, 'rules-editor')).toEqual({ page: false, card: [] });
  });

  it('a 300-character suite name is refused with the limit said plainly', async () => {
    await page.goto(`${session.server.url}/pipelines/qa/evals`);
    await page.getByTestId('eval-suite-name').fill(long);
    await page.getByTestId('save-suite').click();
    await expect.poll(() => page.locator('.evals-card .error-text').allTextContents()).toContain('invalid path: path.name: a suite name is at most 200 characters');
    const dataset = await session.server.request('POST', '/api/datasets', { name: long, cases: [{ id: 'a', input: { question: 'hi' } }] });
    expect(dataset.body.errors).toEqual([{ path: '$.name', message: 'a dataset name is at most 200 characters' }]);
  });
});

describe('an eval whose questions and answers are sentences', () => {
  it('at 1280×720 keeps every case’s scores, status and trace link whole; the sentences wrap', async () => {
    const sentence = (i: number) => `Within how many days can I return an unused hub that I bought as a present, case ${i}?`;
    await session.api('POST', '/api/datasets', {
      name: 'sentences',
      cases: [1, 2, 3].map((i) => ({ id: `returns-window-${i}`, input: { question: sentence(i) }, expected: `{"answer":"30 days","doc":"# Returns and refunds, case ${i}"}` })),
    });
    const id = await finishedEval(session.api, { pipeline: 'qa', version: 1, dataset: 'sentences', suite: { scorers: [{ name: 'mentions', type: 'contains' }, { name: 'found-doc', type: 'exact' }] } });
    await page.setViewportSize({ width: 1280, height: 720 });
    try {
      await page.goto(`${session.server.url}/pipelines/qa/evals?eval=${id}`);
      await page.getByTestId('trace-returns-window-3').waitFor();
      expect(await brokenWords(page, 'results-table')).toEqual([]);
      expect(await overflow(page, 'results-table')).toEqual({ page: false, card: [] });
    } finally {
      await page.setViewportSize({ width: 1400, height: 1000 });
    }
  });
});

describe('the compare view of two evals whose questions and answers are sentences', () => {
  it('at 1280×720 keeps each score beside its scorer’s name ("found-doc 1.00", never "found-doc" at a line’s end and "1.00" on the next)', async () => {
    await session.api('POST', '/api/pipelines', qaPipeline('{{ question }}', 'talkative'));
    await session.api('POST', '/api/pipelines/talkative/versions', { document: qaPipeline('Thank you for asking. Here is what we know about your question: {{ question }}', 'talkative'), message: 'polite', baseVersion: 1 });
    const suite = { scorers: [{ name: 'mentions', type: 'contains' }, { name: 'found-doc', type: 'exact' }] };
    const a = await finishedEval(session.api, { pipeline: 'talkative', version: 1, dataset: 'sentences', suite });
    const b = await finishedEval(session.api, { pipeline: 'talkative', version: 2, dataset: 'sentences', suite, baseline: a });
    await page.setViewportSize({ width: 1280, height: 720 });
    try {
      await page.goto(`${session.server.url}/pipelines/talkative/compare?a=${a}&b=${b}`);
      await page.getByTestId('case-compare-table').locator('tbody tr').first().waitFor();
      const split = await page.getByTestId('case-compare-table').locator('.score').evaluateAll((spans) =>
        spans.filter((s) => new Set([...s.getClientRects()].map((r) => Math.round(r.top))).size > 1).map((s) => s.textContent),
      );
      expect(split).toEqual([]);
      expect(await overflow(page, 'case-compare-table')).toEqual({ page: false, card: [] });
    } finally {
      await page.setViewportSize({ width: 1400, height: 1000 });
    }
  });
});

describe('the Deploy page’s history at 1280×720', () => {
  it('keeps each move’s words whole (who moved it, when, the versions); the note wraps', async () => {
    await session.api('POST', '/api/pipelines', qaPipeline('{{ question }}', 'moves'));
    await session.api('POST', '/api/pipelines/moves/versions', { document: qaPipeline('A: {{ question }}', 'moves'), message: 'prefix', baseVersion: 1 });
    await session.api('PUT', '/api/pipelines/moves/labels/production', { version: 1, note: 'the first version goes out to every customer while we watch the error rate' });
    await session.api('PUT', '/api/pipelines/moves/labels/production', { version: 2, note: 'the prefix reads better in the support widget, and the evals agree' });
    await page.setViewportSize({ width: 1280, height: 720 });
    try {
      await page.goto(`${session.server.url}/pipelines/moves/deploy`);
      await page.getByTestId('rollback-production-0').waitFor();
      expect(await brokenWords(page, 'deploy-history')).toEqual([]);
      expect(await overflow(page, 'deploy-history')).toEqual({ page: false, card: [] });
    } finally {
      await page.setViewportSize({ width: 1400, height: 1000 });
    }
  });
});

describe('a version message of 10,000 characters in one word', () => {
  beforeAll(async () => {
    await session.api('POST', '/api/pipelines', qaPipeline('{{ question }}', 'wordy'));
    await session.api('POST', '/api/pipelines/wordy/versions', { document: qaPipeline('A: {{ question }}', 'wordy'), message: 'w'.repeat(10_000), baseVersion: 1 });
    await session.api('POST', '/api/pipelines/wordy/versions', { document: qaPipeline('B: {{ question }}', 'wordy'), message: 'short', baseVersion: 2 });
    await session.api('PUT', '/api/pipelines/wordy/labels/production', { version: 2 });
  });

  it('leaves its row’s Open and Restore on screen in the Versions tab', async () => {
    await page.goto(`${session.server.url}/pipelines/wordy`);
    await page.getByTestId('tab-versions').click();
    await page.getByTestId('version-2').waitFor();
    const width = page.viewportSize()!.width;
    for (const button of ['open-version-2', 'restore-version-2']) {
      const box = (await page.getByTestId(button).boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(width);
    }
    expect(await overflow(page, 'versions-panel')).toEqual({ page: false, card: [] });
    // the whole message is still there to read
    expect(await page.getByTestId('version-2').getByTitle('w'.repeat(10_000)).count()).toBe(1);
  });

  it('a rollback note of 2,000 characters in one word stays inside the History card, its Move back button on screen', async () => {
    await session.api('PUT', '/api/pipelines/wordy/labels/production', { version: 3, note: 'z'.repeat(2_000) });
    await page.goto(`${session.server.url}/pipelines/wordy/deploy`);
    await page.getByTestId('rollback-production-0').waitFor();
    expect(await overflow(page, 'deploy-history')).toEqual({ page: false, card: [] });
    const box = (await page.getByTestId('rollback-production-0').boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width);
    expect(await page.getByTestId('deployment-production-0').getByTitle('z'.repeat(2_000)).count()).toBe(1);
  });

  it('stays inside the Deploy page’s Labels and Versions cards', async () => {
    await page.goto(`${session.server.url}/pipelines/wordy/deploy`);
    await page.getByTestId('label-production').waitFor();
    await page.getByTestId('deploy-version-2').waitFor();
    expect(await overflow(page, 'labels-card')).toEqual({ page: false, card: [] });
    expect(await overflow(page, 'deploy-versions')).toEqual({ page: false, card: [] });
  });
});

describe('a node with a 300-character id', () => {
  it('wraps inside the inspector and the Problems list instead of running out of them', async () => {
    const id = 'N'.repeat(100); // the longest a node id may be
    await session.api('POST', '/api/pipelines', {
      format: 'patchbay.pipeline/v1',
      name: 'long-ids',
      nodes: [
        { id: 'q', type: 'input', position: { x: 0, y: 0 }, config: { name: 'question', valueType: 'string' } },
        { id, type: 'template', position: { x: 300, y: 0 }, config: { template: '{{ question }}' } },
      ],
      edges: [],
    });
    await page.goto(`${session.server.url}/pipelines/long-ids`);
    await page.getByTestId(`node-${id}`).locator('header').click();
    await page.getByTestId('inspector').waitFor();
    await page.getByTestId('tab-problems').click();
    await page.getByTestId('problem').first().waitFor();
    expect(await overflow(page, 'inspector')).toEqual({ page: false, card: [] });
    expect(await overflow(page, 'problems-panel')).toEqual({ page: false, card: [] });
  });
});

describe('numbers typed as words on the monitoring page', () => {
  it('Save says which number each field takes, next to it', async () => {
    await page.goto(`${session.server.url}/pipelines/qa/monitoring`);
    await page.getByTestId('monitors-editor').getByText('No monitors yet.').waitFor();
    await page.getByTestId('add-monitor').click();
    await page.getByTestId('add-rule').click();
    await page.locator('#monitor-0-name').fill('grounded');
    await page.locator('#monitor-0-sample').fill('half');
    await page.locator('#monitor-0-scorer-threshold').fill('high');
    await page.locator('#rule-0-name').fill('errors-high');
    await page.locator('#rule-0-threshold').fill('lots');
    await page.locator('#rule-0-webhook').fill('https://hooks.example.com/x');
    await page.getByTestId('save-monitors').click();
    await expect.poll(() => page.getByTestId('problem-monitor-0-sample').textContent()).toBe('a number from 0 to 1');
    expect(await page.getByTestId('problem-monitor-0-scorer-threshold').textContent()).toBe('a number from 0 to 1');
    await page.getByTestId('save-rules').click();
    await expect.poll(() => page.getByTestId('problem-rule-0-threshold').textContent()).toBe('a number');
  });
});

describe('an eval of a case with a 150-character id and a 5,000-character answer in one word', () => {
  it('keeps the result table inside its card', async () => {
    const word = 'w'.repeat(5_000);
    await session.api('POST', '/api/pipelines', qaPipeline('{{ question }}', 'echo-long'));
    await session.api('POST', '/api/datasets', { name: 'long-case', cases: [{ id: 'i'.repeat(150), input: { question: word }, expected: `${word} x` }] });
    const { id } = await session.api('POST', '/api/evals', { pipeline: 'echo-long', dataset: 'long-case', suite: { scorers: [{ name: 'exact', type: 'exact' }] } });
    await expect.poll(async () => (await session.api('GET', `/api/evals/${id}`)).status).toBe('succeeded');
    await page.goto(`${session.server.url}/pipelines/echo-long/evals?eval=${id}`);
    await page.getByTestId('eval-result').locator('table').waitFor();
    expect(await overflow(page, 'eval-result')).toEqual({ page: false, card: [] });
  });
});
