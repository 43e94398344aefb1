// The Monitoring view against a real runner with real runs: charts with points and a deployment
// marker, the range picker, a step's runs and a run's trace, monitors and alert rules edited with
// the runner's refusals shown at their fields, an alert delivered to a local webhook, and the Runs
// list's filters and "Add to dataset".
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { PipelineDocument } from '@patchbay/core';
import { expectAccessible } from './support/axe';
import { launchChromium } from './support/browser';
import { startEditorServer } from './support/runner';

let server: Awaited<ReturnType<typeof startEditorServer>>;
let browser: Browser;
let page: Page;
let hook: { url: string; received: Record<string, unknown>[]; close(): Promise<unknown> };

/** question → transform (fails on "fail") → answer: a pipeline whose errors the test controls. */
function flaky(prefix: string): PipelineDocument {
  return {
    format: 'patchbay.pipeline/v1',
    name: 'helpdesk',
    nodes: [
      { id: 'question', type: 'input', position: { x: 0, y: 0 }, config: { name: 'question', valueType: 'string' } },
      { id: 'check', type: 'transform', position: { x: 260, y: 0 }, config: { expression: `$ = "fail" ? $error("failed on purpose") : "${prefix} " & $` } },
      { id: 'answer', type: 'output', position: { x: 520, y: 0 }, config: { name: 'answer' } },
    ],
    edges: [
      { from: 'question.value', to: 'check.value' },
      { from: 'check.value', to: 'answer.value' },
    ],
  };
}


/** Serves the production label (source `serve`); answers once the run has ended, failed or not. */
async function serve(question: string): Promise<void> {
  await fetch(`${server.url}/api/pipelines/helpdesk/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: { question } }) });
}

async function startWebhook() {
  const received: Record<string, unknown>[] = [];
  const hookServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`, received, close: () => new Promise((r) => hookServer.close(r)) };
}

beforeAll(async () => {
  hook = await startWebhook();
  server = await startEditorServer();
  await server.api('POST', '/api/pipelines', flaky('v1'));
  await server.api('PUT', '/api/pipelines/helpdesk/labels/production', { version: 1 });
  for (const q of ['hello', 'fail', 'refund']) await serve(q);
  await server.api('POST', '/api/pipelines/helpdesk/versions', { document: flaky('v2'), message: 'v2', baseVersion: 1 });
  await server.api('PUT', '/api/pipelines/helpdesk/labels/production', { version: 2, note: 'ship v2' });
  for (const q of ['hi', 'where is it', 'fail', 'thanks']) await serve(q);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await hook?.close();
});

const points = (chart: string) => page.getByTestId(`chart-${chart}`).getByTestId('chart-point');

/** The runs a chart's dots stand for, added up per series (a dot is named "v2, <step>: <value>, 4 runs"). */
async function runsPerSeries(chart: string): Promise<Record<string, number>> {
  const names = await points(chart).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')!));
  const sums: Record<string, number> = {};
  for (const name of names) {
    const [, key, runs] = /^([^,]+), .*, (\d+) runs?\./.exec(name)!;
    sums[key] = (sums[key] ?? 0) + Number(runs);
  }
  return sums;
}

describe('the Monitoring view', () => {
  it('charts the runs per version with the deployment marked, and passes axe', async () => {
    await page.goto(`${server.url}/pipelines/helpdesk`);
    await page.getByTestId('view-monitoring').click();
    await page.waitForURL(/\/pipelines\/helpdesk\/monitoring/);
    await points('Throughput (runs per step)').first().waitFor();
    // a dot per version and step with runs (all in one step, or two if an hour turned meanwhile): v1 served 3, v2 served 4
    expect(await runsPerSeries('Throughput (runs per step)')).toEqual({ v1: 3, v2: 4 });
    expect(await runsPerSeries('Latency p95')).toEqual({ v1: 3, v2: 4 });
    const errorRates = await points('Error rate').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')!));
    expect(errorRates.some((n) => /^v2, .*: (25\.0|33\.3|50\.0|100\.0)%/.test(n))).toBe(true);
    // the label moves, drawn on every chart and listed
    expect(await page.getByTestId('deployments-in-range').textContent()).toMatch(/production → v1 .*production → v2/);
    expect(await page.getByTestId('chart-Error rate').getByTestId('deploy-marker').count()).toBe(2);
    // the per-node table names the nodes that ran
    expect(await page.getByTestId('node-row-check').textContent()).toMatch(/transform\s*7\s*2 \(28\.6%\)/);
    await expectAccessible(page, 'monitoring');
  });

  it('asks for the chosen range and grouping, and keeps them in the address', async () => {
    const asked: URL[] = [];
    const listen = (request: { url(): string }) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/metrics') asked.push(url);
    };
    page.on('request', listen);
    await page.getByTestId('range-1h').click();
    await expect.poll(() => asked.some((u) => u.searchParams.get('step') === '1m' && u.searchParams.get('by') === 'version')).toBe(true);
    const oneHour = asked.find((u) => u.searchParams.get('step') === '1m')!;
    // an hour, from the start of its first minute
    expect(Date.parse(oneHour.searchParams.get('to')!) - Date.parse(oneHour.searchParams.get('from')!)).toBeLessThanOrEqual(3_660_000);
    await page.waitForURL(/range=1h/);
    await page.getByTestId('monitoring-by').selectOption('label');
    await expect.poll(() => asked.some((u) => u.searchParams.get('by') === 'label')).toBe(true);
    await page.waitForURL(/by=label/);
    // every run was served under production: one series (a dot per step it had runs in)
    await expect.poll(async () => [...new Set(await points('Throughput (runs per step)').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')?.split(',')[0])))]).toEqual(['production']);
    await page.getByTestId('range-30d').click();
    await expect.poll(() => asked.some((u) => u.searchParams.get('step') === '1d')).toBe(true);
    page.off('request', listen);
    await page.getByTestId('monitoring-by').selectOption('version');
    await page.getByTestId('range-24h').click();
    await page.waitForURL(/range=24h&by=version/);
    // Only the sources monitoring counts: eval cases and `patchbay run` runs never reach the charts.
    expect(await page.locator('#monitoring-source option').allTextContents()).toEqual(['all', 'serve', 'openai', 'api', 'editor']);
  });

  it('lists the runs behind a point, and a run opens its trace', async () => {
    await points('Throughput (runs per step)').first().waitFor();
    const v2 = page.getByTestId('chart-Throughput (runs per step)').locator('[data-series="v2"] [data-testid="chart-point"]');
    await v2.last().click();
    const bucket = page.getByTestId('bucket-runs');
    await bucket.waitFor();
    const rows = bucket.locator('.run-row');
    // the step of the last v2 dot holds its last runs (all four unless an hour turned while they ran)
    const inStep = Number(/, (\d+) runs?\./.exec((await v2.last().getAttribute('aria-label'))!)![1]);
    await expect.poll(() => rows.count()).toBe(inStep);
    expect(await bucket.getByTestId('runs-count').textContent()).toMatch(new RegExp(`^${inStep} runs? · v2 · `));
    // the status filter narrows the step's runs to the failed one (v2 failed once)
    await bucket.locator('#runs-filter-status').selectOption('failed');
    await expect.poll(() => rows.count()).toBeLessThanOrEqual(1);
    if ((await rows.count()) === 0) {
      await page.getByTestId('chart-Throughput (runs per step)').locator('[data-series="v2"] [data-testid="chart-point"]').first().click();
      await expect.poll(() => rows.count()).toBe(1);
    }
    const failed = (await rows.first().getAttribute('data-testid'))!.replace(/^run-/, '');
    await bucket.getByTestId(`open-run-${failed}`).click();
    await page.waitForURL(new RegExp(`/pipelines/helpdesk\\?run=${failed}`));
    await expect.poll(() => page.getByTestId('editor').getAttribute('data-mode')).toBe('run');
    await expect.poll(() => page.getByTestId('node-check').getAttribute('data-status')).toBe('failed');
  });
});

describe('monitors, alert rules and alerts', () => {
  it('shows the runner refusal next to the field it names, then saves, switches off and deletes a monitor', async () => {
    await page.goto(`${server.url}/pipelines/helpdesk/monitoring`);
    const editor = page.getByTestId('monitors-editor');
    await editor.getByText('No monitors yet.').waitFor();
    await page.getByTestId('add-monitor').click();
    await page.locator('#monitor-0-name').fill('Polite Check');
    await page.locator('#monitor-0-scorer-type').selectOption('regex');
    await page.locator('#monitor-0-sample').fill('2');
    await page.getByTestId('save-monitors').click();
    // the runner's own messages, each under its field
    await expect.poll(() => page.getByTestId('problem-monitor-0-name').textContent()).toBe('a slug: a-z, 0-9 and -');
    await expectAccessible(page, 'monitoring, a refused monitor');
    await page.locator('#monitor-0-name').fill('says-thanks');
    await page.locator('#monitor-0-sample').fill('1');
    await page.getByTestId('save-monitors').click();
    await expect.poll(() => page.getByTestId('problem-monitor-0-scorer-params').count()).toBe(1);
    expect(await page.getByTestId('problem-monitor-0-name').count()).toBe(0);
    await page.locator('#monitor-0-scorer-params').fill('{"pattern": "thanks"}');
    await page.getByTestId('save-monitors').click();
    await editor.getByRole('status').getByText('Saved.').waitFor();
    expect(await server.api('GET', '/api/pipelines/helpdesk/monitors')).toEqual({ monitors: [{ name: 'says-thanks', scorer: { type: 'regex', params: { pattern: 'thanks' } }, sample: 1 }] });

    await page.getByTestId('monitor-0-enabled').uncheck();
    await page.getByTestId('save-monitors').click();
    await expect.poll(async () => (await server.api('GET', '/api/pipelines/helpdesk/monitors')).monitors[0].enabled).toBe(false);
    await page.reload();
    await expect.poll(() => page.getByTestId('monitor-0-enabled').isChecked()).toBe(false);
    await page.getByTestId('monitor-0-enabled').check();
    await page.getByTestId('save-monitors').click();
    await expect.poll(async () => (await server.api('GET', '/api/pipelines/helpdesk/monitors')).monitors[0].enabled).toBe(undefined);

    await page.getByTestId('add-monitor').click();
    await page.locator('#monitor-1-name').fill('to-delete');
    await page.locator('#monitor-1-scorer-type').selectOption('json-valid');
    await page.getByTestId('save-monitors').click();
    await expect.poll(async () => (await server.api('GET', '/api/pipelines/helpdesk/monitors')).monitors.length).toBe(2);
    await page.getByRole('button', { name: 'Remove monitor to-delete' }).click();
    await page.getByTestId('save-monitors').click();
    await expect.poll(async () => (await server.api('GET', '/api/pipelines/helpdesk/monitors')).monitors.map((m: { name: string }) => m.name)).toEqual(['says-thanks']);
  });

  it('edits an alert rule whose alert then fires to a webhook and is listed', async () => {
    await page.getByTestId('add-rule').click();
    await page.locator('#rule-0-name').fill('errors-high');
    await page.locator('#rule-0-threshold').fill('0.4');
    await page.locator('#rule-0-window').fill('2');
    await page.locator('#rule-0-webhook').fill('not a url');
    await page.getByTestId('save-rules').click();
    await expect.poll(() => page.getByTestId('problem-rule-0-webhook').textContent()).toBe("an http(s) URL, or ${NAME}: a variable of the runner's environment that holds one");
    await page.locator('#rule-0-webhook').fill(hook.url);
    await page.locator('#rule-0-window').fill('5 runs');
    await page.getByTestId('save-rules').click();
    await expect.poll(() => page.getByTestId('problem-rule-0-window').count()).toBe(1);
    await page.locator('#rule-0-window').fill('2');
    await page.getByTestId('save-rules').click();
    await page.getByTestId('rules-editor').getByRole('status').getByText('Saved.').waitFor();
    expect((await server.api('GET', '/api/pipelines/helpdesk/alert-rules')).rules).toEqual([{ name: 'errors-high', metric: 'errorRate', window: 2, op: 'above', threshold: 0.4, webhook: hook.url }]);

    // The window starts with the runs stored before the save (the last one succeeded): the first failure makes
    // it one of two (0.5), and the rule fires once, staying quiet through the second failure and the success.
    for (const q of ['fail', 'fail', 'thanks a lot']) await serve(q);
    await expect.poll(() => hook.received.length).toBe(1);
    await page.getByTestId('refresh-monitoring').click();
    const alerts = page.getByTestId('alerts-list');
    await alerts.waitFor();
    expect(await alerts.locator('tbody tr').first().textContent()).toMatch(/errors-high.*firing.*0\.5 above 0\.4 · v2.*delivered after 1 attempt/);
  });
});

describe('the Runs list', () => {
  it('filters by status, version, label and monitor score, and shows a refused filter at its field', async () => {
    await page.goto(`${server.url}/pipelines/helpdesk`);
    await page.getByTestId('tab-runs').click();
    const list = page.getByTestId('runs-browser');
    const rows = list.locator('.run-row');
    await expect.poll(() => rows.count()).toBe(10);
    await list.locator('#runs-filter-version').fill('1');
    await expect.poll(() => rows.count()).toBe(3);
    await list.locator('#runs-filter-status').selectOption('failed');
    await expect.poll(() => rows.count()).toBe(1);
    await list.locator('#runs-filter-version').fill('');
    await list.locator('#runs-filter-status').selectOption('');
    await list.locator('#runs-filter-label').selectOption('production');
    await expect.poll(() => rows.count()).toBe(10);
    // runs scored by the monitor (those served after it was saved): "thanks a lot" matches, the failures were not scored
    await list.locator('#runs-filter-monitor').selectOption('says-thanks');
    await expect.poll(() => rows.count()).toBe(1);
    await list.locator('#runs-filter-maxScore').fill('0.5');
    await expect.poll(() => rows.count()).toBe(0);
    await list.locator('#runs-filter-maxScore').fill('');
    await list.locator('#runs-filter-monitor').selectOption('');
    await list.locator('#runs-filter-minScore').fill('2');
    await expect.poll(() => list.getByTestId('runs-filter-error-minScore').textContent()).toMatch(/query\.minScore/);
    await list.locator('#runs-filter-minScore').fill('');
    await expect.poll(() => list.getByTestId('runs-filter-error-minScore').count()).toBe(0);
  });

  it('adds selected runs to a new dataset, and a run already in it adds nothing', async () => {
    const list = page.getByTestId('runs-browser');
    await list.locator('#runs-filter-status').selectOption('failed');
    const rows = list.locator('.run-row');
    await expect.poll(() => rows.count()).toBe(4);
    const ids = (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.replace(/^run-/, '')))).slice(0, 2);
    for (const id of ids) await list.getByRole('checkbox', { name: `Select run ${id.slice(-12)}` }).check();
    await list.getByTestId('add-selected-to-dataset').click();
    const dialog = page.getByTestId('add-to-dataset');
    await dialog.getByTestId('dataset-name').fill('Bad name!');
    await dialog.getByTestId('add-submit').click();
    await expect.poll(() => dialog.getByTestId('dataset-name-error').textContent()).toMatch(/dataset name is letters/);
    await dialog.getByTestId('dataset-name').fill('prod-failures');
    await expect.poll(() => dialog.textContent()).toMatch(/Creates the dataset prod-failures/);
    await dialog.getByTestId('add-submit').click();
    await expect.poll(() => dialog.getByTestId('add-result').textContent()).toMatch(/^Added 2 cases to prod-failures: version \w{8} has 2 cases\.$/);
    await dialog.getByTestId('add-done').click();
    const dataset = await server.api('GET', '/api/datasets/prod-failures');
    expect(dataset.cases.map((c: { id: string }) => c.id).sort()).toEqual(ids.map((id) => `run-${id}`).sort());
    expect(dataset.cases[0].input).toEqual({ question: 'fail' });

    await list.getByTestId(`add-run-to-dataset-${ids[0]}`).click();
    await dialog.getByTestId('dataset-name').fill('prod-failures');
    await expect.poll(() => dialog.textContent()).toMatch(/Adds to prod-failures \(2 cases now\)/);
    await dialog.getByTestId('add-submit').click();
    await expect.poll(() => dialog.getByTestId('add-result').textContent()).toBe('Nothing added: the run is already in prod-failures (2 cases).');
    await expectAccessible(page, 'add to dataset dialog');

    // A failed run has no output to draft an expected value from: the dialog says it was skipped, and why.
    await dialog.getByTestId('add-done').click();
    const third = (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.replace(/^run-/, ''))))[2];
    await list.getByTestId(`add-run-to-dataset-${third}`).click();
    await dialog.getByTestId('dataset-name').fill('prod-failures');
    await dialog.getByTestId('expected-output').check();
    await dialog.getByTestId('add-submit').click();
    await expect
      .poll(() => dialog.getByTestId('add-result').textContent())
      .toBe('Nothing added to prod-failures (2 cases). 1 run was skipped: it did not succeed, so there is no output to draft from (add it with no expected value to keep the inputs).');
  });
});
