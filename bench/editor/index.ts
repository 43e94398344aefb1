// npm run bench -- editor [--quick]
//
// Opens a generated pipeline (1,000 nodes; --quick 200) in the built editor in
// headless Chromium and measures: the time from navigation until every node is
// drawn (the view fits the whole pipeline, so every node is on screen), frames
// per second while panning and while dragging a node at working zoom (1),
// counted with requestAnimationFrame over 2 s (--quick 1 s), and the gzip size
// of the JavaScript, CSS and HTML the first page load fetches. The draw time is
// the median of three cold loads (--quick: one).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { startServer } from '@patchbay/runner';
import { launchChromium } from '../../test/e2e/support/browser';
import { generatedPipeline } from './pipeline';

// The root's playwright-core (the one the browser tests launch), not the older copy a peer brings into bench/node_modules.
type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const NODES = quick ? 200 : 1_000;
const SECONDS = quick ? 1 : 2;
const LOADS = quick ? 1 : 3;
const root = path.resolve(import.meta.dirname, '../..');

function round(n: number) {
  return Math.round(n * 10) / 10;
}

/**
 * Runs in the page before its scripts: counts frames on demand and notes when
 * all `expected` nodes are drawn. A string, because tsx would wrap a function's
 * inner names in a helper the page does not have.
 */
const frameProbe = (expected: number) => `
  const bench = (window.__bench = { frames: 0, counting: false, drawnAt: undefined });
  function tick() {
    if (bench.counting) bench.frames++;
    if (bench.drawnAt === undefined) {
      const nodes = document.querySelectorAll('.react-flow__node');
      // React Flow keeps a node hidden until it has measured it
      if (nodes.length >= ${expected} && [...nodes].every((n) => n.style.visibility !== 'hidden')) bench.drawnAt = performance.now();
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
`;

/** Opens `url` in a fresh browser context and waits until all `nodes` are drawn; also sums the gzip size of what it fetched. */
async function openCold(browser: Browser, url: string, nodes: number) {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  await page.addInitScript(frameProbe(nodes));
  const assets: Promise<number>[] = [];
  page.on('response', (response) => {
    const type = response.request().resourceType();
    if (['document', 'script', 'stylesheet'].includes(type)) assets.push(response.body().then((body) => gzipSync(body).length, () => 0));
  });
  await page.goto(url);
  const renderMs = (await page.waitForFunction(() => (window as any).__bench.drawnAt as number | undefined, undefined, { timeout: 60_000 }).then((h) => h.jsonValue())) as number;
  const gzipKb = (await Promise.all(assets)).reduce((a, b) => a + b, 0) / 1024;
  return { page, renderMs, gzipKb };
}

async function framesPerSecond(page: Page, seconds: number, act: () => Promise<void>): Promise<number> {
  await page.evaluate(() => Object.assign((window as any).__bench, { frames: 0, counting: true, since: performance.now() }));
  await act();
  const { frames, elapsed } = await page.evaluate(() => {
    const bench = (window as any).__bench;
    bench.counting = false;
    return { frames: bench.frames as number, elapsed: (performance.now() - bench.since) / 1000 };
  });
  if (elapsed < seconds * 0.9) throw new Error(`measured ${elapsed.toFixed(2)} s instead of ${seconds} s`);
  return frames / elapsed;
}

const scale = (page: Page) => page.locator('.react-flow__viewport').evaluate((el) => new DOMMatrixReadOnly(getComputedStyle(el).transform).a);

/** From the fitted overview to zoom ~1 at the centre, with the mouse wheel as a person would. */
async function zoomToWorkingScale(page: Page) {
  const box = (await page.locator('.react-flow__pane').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 3);
  for (let i = 0; i < 40 && (await scale(page)) < 0.95; i++) {
    await page.mouse.wheel(0, -120);
    await page.waitForTimeout(30);
  }
  await page.waitForTimeout(300);
}

/** A point on the empty pane (not on a node), where a press pans. */
async function emptySpot(page: Page): Promise<{ x: number; y: number }> {
  const spot = await page.evaluate(() => {
    const pane = document.querySelector('.react-flow__pane')!.getBoundingClientRect();
    for (let y = pane.top + 40; y < pane.bottom - 200; y += 13) {
      for (let x = pane.left + 60; x < pane.right - 60; x += 17) {
        if (document.elementFromPoint(x, y)?.classList.contains('react-flow__pane')) return { x, y };
      }
    }
    return undefined;
  });
  if (!spot) throw new Error('no empty spot on the canvas to pan from');
  return spot;
}

async function panAround(page: Page, seconds: number) {
  const start = await emptySpot(page);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  const end = Date.now() + seconds * 1000;
  for (let t = 0; Date.now() < end; t++) {
    // a slow circle that keeps bringing new nodes into view
    await page.mouse.move(start.x + Math.sin(t / 20) * 350, start.y + Math.cos(t / 20) * 200 - 200);
  }
  await page.mouse.up();
}

async function dragANode(page: Page, seconds: number) {
  // The pan before this can leave no node on screen (only visible nodes are drawn): Fit (F) brings them back.
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('f');
  const header = page.locator('.react-flow__node .pb-node header').first();
  await header.waitFor({ state: 'visible' });
  const box = (await header.boundingBox())!;
  const start = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  const end = Date.now() + seconds * 1000;
  for (let t = 0; Date.now() < end; t++) {
    await page.mouse.move(start.x + Math.sin(t / 15) * 250, start.y + (1 - Math.cos(t / 15)) * 150);
  }
  await page.mouse.up();
}

async function main() {
  // a production build of its own, so a rebuild of apps/editor/dist elsewhere cannot disturb the measurement
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-bench-editor-'));
  const dist = path.join(dataDir, 'dist');
  execFileSync('npm', ['run', 'build', '-w', '@patchbay/editor', '--', '--outDir', dist, '--emptyOutDir'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const server = await startServer({ port: 0, dataDir, quiet: true, editorDist: dist, env: { PATH: process.env.PATH } });
  const browser = await launchChromium();

  try {
    const doc = generatedPipeline(NODES);
    const created = await fetch(`${server.url}/api/pipelines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
    if (!created.ok) throw new Error(`could not save the generated pipeline: ${created.status} ${await created.text()}`);

    // the median of a few cold loads (each in a fresh context: nothing cached), as the machine is shared
    const loads: { page: Page; renderMs: number; gzipKb: number }[] = [];
    for (let i = 0; i < LOADS; i++) {
      if (loads.length) await loads[loads.length - 1].page.context().close();
      loads.push(await openCold(browser, `${server.url}/pipelines/${doc.name}`, NODES));
    }
    const renderTimes = loads.map((l) => l.renderMs).sort((a, b) => a - b);
    const renderMs = renderTimes[Math.floor(renderTimes.length / 2)];
    const initialGzipKb = loads[0].gzipKb;
    const { page } = loads[loads.length - 1];

    await zoomToWorkingScale(page);
    const panFps = await framesPerSecond(page, SECONDS, () => panAround(page, SECONDS));
    const dragFps = await framesPerSecond(page, SECONDS, () => dragANode(page, SECONDS));

    const rows = [
      ['nodes', String(NODES), ''],
      ['time until every node is drawn', `${renderMs.toFixed(0)} ms`, `target ≤ 1500 (median of ${renderTimes.map((t) => t.toFixed(0)).join(', ')})`],
      ['fps while panning (zoom 1)', panFps.toFixed(1), 'target ≥ 30'],
      ['fps while dragging a node (zoom 1)', dragFps.toFixed(1), 'target ≥ 30'],
      ['first page load, gzip', `${initialGzipKb.toFixed(1)} KB`, 'target ≤ 400'],
    ];
    for (const [what, value, target] of rows) console.log(`${what.padEnd(36)} ${value.padStart(10)}   ${target}`);
    console.log(JSON.stringify({ bench: 'editor', nodes: NODES, renderMs: Math.round(renderMs), panFps: round(panFps), dragFps: round(dragFps), initialGzipKb: round(initialGzipKb) }));
  } finally {
    await browser.close();
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
