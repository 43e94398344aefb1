import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Request } from 'playwright-core';
import { expectAccessible } from './support/axe';
import { launchChromium } from './support/browser';
import { startEditorServer } from './support/runner';
import { qaPipeline } from './support/session';

// The README's "any non-loopback host needs a token" setup, in a browser: the runner is started with PATCHBAY_TOKEN.
const TOKEN = `e2e-${randomBytes(12).toString('hex')}`;

let server: Awaited<ReturnType<typeof startEditorServer>>;
let browser: Browser;
let page: Page;
/** Every request the page made to the runner's API, with the headers it sent. */
const apiRequests: Request[] = [];

const echo = qaPipeline('{{ question }}', 'guarded');

/** What the page keeps where a token could leak: both storages and the address. */
const kept = () =>
  page.evaluate(() => ({
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    url: location.href,
  }));

beforeAll(async () => {
  server = await startEditorServer({ env: { PATCHBAY_TOKEN: TOKEN } });
  const created = await fetch(`${server.url}/api/pipelines`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(echo) });
  expect(created.status).toBe(201);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/')) apiRequests.push(request);
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the editor against a runner with a token', () => {
  it('asks for the token when the API answers 401', async () => {
    await page.goto(`${server.url}/pipelines/guarded`);
    await page.getByTestId('sign-in').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to this runner');
    await expectAccessible(page, 'sign-in form');
  });

  it('says clearly when the token is wrong, and keeps nothing', async () => {
    await page.getByTestId('sign-in-token').fill('not-the-token');
    await page.getByTestId('sign-in-submit').click();
    await expect.poll(() => page.getByTestId('sign-in-error').textContent()).toBe('This runner did not accept that token. Use the value of PATCHBAY_TOKEN the runner was started with.');
    expect(await page.getByTestId('sign-in').count()).toBe(1);
    expect((await kept()).session).not.toContain('not-the-token');
  });

  it('with the right token opens the page it was asked for, and a streamed run works', async () => {
    const before = apiRequests.length;
    await page.getByTestId('sign-in-token').fill(TOKEN);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('editor').waitFor();
    await page.getByTestId('node-answer').waitFor();

    await page.getByTestId('tab-run').click();
    await page.getByTestId('run-input-question').fill('hello through the token');
    await page.getByTestId('run-button').click();
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('succeeded');
    expect(await page.getByTestId('run-output-answer').textContent()).toContain('hello through the token');

    // every request since the sign-in carried the token, the run's event stream included
    const since = apiRequests.slice(before);
    const stream = since.find((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/runs');
    expect(stream?.headers().accept).toBe('text/event-stream');
    const unsigned = (await Promise.all(since.map(async (r) => ((await r.allHeaders()).authorization === `Bearer ${TOKEN}` ? undefined : `${r.method()} ${r.url()}`)))).filter(Boolean);
    expect(unsigned).toEqual([]);
  });

  it('keeps the token for the session only: in sessionStorage, never in localStorage or an address', async () => {
    await page.reload();
    await page.getByTestId('editor').waitFor();
    expect(await page.getByTestId('sign-in').count()).toBe(0);
    const { local, session, url } = await kept();
    expect(session).toContain(TOKEN);
    expect(local).not.toContain(TOKEN);
    expect(url).not.toContain(TOKEN);
    expect(apiRequests.filter((r) => r.url().includes(TOKEN))).toEqual([]);
  });

  it('signs out: the form is back and the token is gone', async () => {
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in').waitFor();
    expect(await page.getByTestId('sign-in-reason').textContent()).toBe('Signed out.');
    expect((await kept()).session).not.toContain(TOKEN);
    await page.reload();
    await page.getByTestId('sign-in').waitFor();
  });
});
