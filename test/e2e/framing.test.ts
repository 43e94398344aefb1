// The runner's security headers seen by a browser: a page on another origin cannot frame the
// editor (frame-ancestors 'none' + X-Frame-Options: DENY), and the editor itself runs under
// its Content-Security-Policy without a single violation.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { startEditorServer } from './support/runner';

let server: Awaited<ReturnType<typeof startEditorServer>>;
let other: http.Server;
let otherUrl: string;
let browser: Browser;

/** Collects the page's CSP violations (an init script runs before the page's own). */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const seen: string[] = ((window as any).__csp = []);
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`));
  });
  return () => page.evaluate(() => (window as any).__csp as string[]);
}

beforeAll(async () => {
  server = await startEditorServer();
  // a second origin (another port): a page that tries to frame the editor
  other = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>elsewhere</title><h1>Another site</h1><iframe id="victim" src="${server.url}/" width="800" height="600"></iframe>`);
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => other?.close(resolve));
  await server?.close();
});

describe('framing and content security policy', () => {
  it('a page on another origin cannot frame the editor', async () => {
    const page = await browser.newPage();
    const editorLoads: string[] = [];
    page.on('response', (r) => r.url().startsWith(server.url) && editorLoads.push(r.url()));
    await page.goto(otherUrl);
    await page.locator('#victim').waitFor();
    // the framing page itself is fine; the frame was answered but blocked by its headers
    await expect.poll(() => editorLoads.length).toBeGreaterThan(0);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(frame).toBeDefined();
    // blocked: Chromium shows its own error page, never the editor's document or its scripts
    await expect.poll(() => frame!.url()).not.toBe(`${server.url}/`);
    expect(await frame!.locator('#root').count()).toBe(0);
    expect(editorLoads.filter((u) => u.includes('/assets/'))).toEqual([]);
    await page.close();
  });

  it('the editor, its canvas and /api/docs run under the policy without a violation', async () => {
    const page = await browser.newPage();
    const violations = await watchCsp(page);
    await page.goto(server.url);
    await page.getByTestId('new-pipeline-name').fill('csp-check');
    await page.getByTestId('create-pipeline').click();
    await page.getByTestId('canvas').waitFor();
    await page.locator('.react-flow__renderer').waitFor();
    expect(await violations()).toEqual([]);

    await page.goto(`${server.url}/api/docs`);
    await page.locator('h1').waitFor();
    // its own <style> applies (the policy allows inline styles): methods are drawn as coloured badges
    expect(await page.locator('.method').first().evaluate((el) => getComputedStyle(el).color)).toBe('rgb(255, 255, 255)');
    expect(await violations()).toEqual([]);
    await page.close();
  });
});
