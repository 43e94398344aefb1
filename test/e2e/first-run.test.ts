// The browser half of the first run (the HTTP half is test/integration/first-run.test.ts):
// `patchbay serve` on a fresh data dir seeds the demo, and the editor at / opens
// `support-assistant` in Chromium. The editor is built once by this suite's global
// setup, so this spawns `node apps/runner/bin/patchbay.js serve` (what `npm start`
// runs after its build) rather than building a second time.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { nodeIds, selectNode } from './support/canvas';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'apps/runner/bin/patchbay.js');
const V3 = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/support-assistant/pipelines/v3.json'), 'utf8'));

let dataDir: string;
let child: ChildProcess;
let url: string;
let browser: Browser;
let page: Page;

function startRunner(): Promise<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^PATCHBAY_|_API_KEY$|^PORT$|^HOST$/.test(key)) env[key] = value;
  child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { cwd: ROOT, env: { ...env, PATCHBAY_DATA: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner did not start: ${out}${err}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /Patchbay listening on (http:\/\/\S+)/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      expect(out).toContain(`Seeded the demo workspace into ${dataDir}`);
      resolve(match[1]);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runner exited (${code}): ${out}${err}`));
    });
  });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-e2e-first-run-'));
  url = await startRunner();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('first run in the browser', () => {
  it('lists the demo pipeline at / and opens its latest version on the canvas', async () => {
    await page.goto(url);
    expect(await page.getByTestId('latest-support-assistant').textContent()).toBe('v3');
    await page.getByTestId('open-support-assistant').click();
    await page.waitForURL(/\/pipelines\/support-assistant/);
    await expect.poll(() => nodeIds(page)).toEqual(V3.nodes.map((n: { id: string }) => n.id).sort());
    expect(await page.locator('.react-flow__edge').count()).toBe(V3.edges.length);
  });

  it('opens the demo with the whole pipeline in view, clear of the minimap and zoom controls, at 1280×720 and 1440×900', async () => {
    for (const viewport of [{ width: 1280, height: 720 }, { width: 1440, height: 900 }]) {
      const tab = await browser.newPage({ viewport });
      await tab.goto(`${url}/pipelines/support-assistant`);
      await expect.poll(() => nodeIds(tab)).toEqual(V3.nodes.map((n: { id: string }) => n.id).sort());
      // each card against the canvas (cut off) and the bottom corners' overlays (hidden under them)
      const outside = await tab.evaluate(() => {
        const inside = (a: DOMRect, b: DOMRect) => a.left >= b.left && a.right <= b.right && a.top >= b.top && a.bottom <= b.bottom;
        const overlaps = (a: DOMRect, b: DOMRect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        const canvas = document.querySelector('[data-testid="canvas"]')!.getBoundingClientRect();
        const overlays = [...document.querySelectorAll('.react-flow__minimap, .react-flow__controls')].map((el) => el.getBoundingClientRect());
        return [...document.querySelectorAll<HTMLElement>('.react-flow__node')].flatMap((node) => {
          const box = node.getBoundingClientRect();
          if (!inside(box, canvas)) return [`${node.dataset.id} is cut off`];
          return overlays.some((o) => overlaps(box, o)) ? [`${node.dataset.id} is under the minimap or zoom controls`] : [];
        });
      });
      expect(outside, `${viewport.width}×${viewport.height}`).toEqual([]);
      await tab.close();
    }
  });

  it('answers an order question through the agent and its orders tool, the docs branch skipped', async () => {
    await page.getByTestId('tab-run').click();
    await page.getByTestId('run-input-question').fill('Has order 1003 shipped yet?');
    await page.getByTestId('run-button').click();
    const answer = page.getByTestId('run-output-answer');
    await answer.waitFor();
    expect(await answer.textContent()).toBe('Order 1003 is processing.');
    await expect.poll(() => page.getByTestId('node-orders').getAttribute('data-status')).toBe('succeeded');
    await expect.poll(() => page.getByTestId('node-answer').getAttribute('data-status')).toBe('skipped');

    await selectNode(page, 'orders');
    const outputs = await page.getByTestId('node-run-outputs').textContent();
    expect(outputs).toContain('"kind": "tool"');
    expect(outputs).toContain('"status": "processing"');
  });

  it("saves the README's picture: support-assistant v3 after the order question, node states and output on screen", async () => {
    // the run ended in the test before; wait out its toasts so the picture shows the canvas
    await expect.poll(() => page.locator('.toast').count()).toBe(0);
    // the run moved nothing: Fit again, as a user tidying the view for a picture does
    await page.getByTestId('fit-button').click();
    await page.waitForTimeout(400);
    // The README's copy is refreshed on request (or when missing), so a test run leaves the work tree clean.
    const readmeCopy = path.join(ROOT, 'docs/editor.png');
    const shot = process.env.UPDATE_SCREENSHOT === '1' || !fs.existsSync(readmeCopy) ? readmeCopy : path.join(os.tmpdir(), `patchbay-editor-${process.pid}.png`);
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot });
    const png = fs.readFileSync(shot);
    // PNG header: width and height as big-endian 32-bit integers at bytes 16 and 20
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1440, 900]);
    if (shot !== readmeCopy) fs.rmSync(shot, { force: true });
  });
});
