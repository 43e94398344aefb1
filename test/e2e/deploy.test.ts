import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openSqliteStore } from '../../apps/runner/src/store/index';
import { expectAccessible } from './support/axe';
import { qaPipeline, startEditorSession, type EditorSession } from './support/session';

let session: EditorSession;
let server: EditorSession['server'];
let page: Page;
const api = (method: string, p: string, body?: unknown) => session.api(method, p, body);

// v1 echoes the question and v3 prefixes it (both mention the city); v2 shouts it, so the eight cities regress.
const CITIES = ['paris', 'rome', 'oslo', 'bern', 'lima', 'kyiv', 'doha', 'riga'];
const CASES = [{ id: 'n1', input: { question: 'what is 42' }, expected: '42' }, ...CITIES.map((city, i) => ({ id: `c${i + 1}`, input: { question: `tell me about ${city}` }, expected: city }))];

const production = async () => (await api('GET', '/api/pipelines/qa/labels')).labels.production?.version;
const history = async () => (await api('GET', '/api/pipelines/qa/deployments')).deployments;

beforeAll(async () => {
  session = await startEditorSession({
    clipboard: true,
    seed: async (api) => {
      await api('POST', '/api/pipelines', qaPipeline('{{ question }}'));
      await api('POST', '/api/pipelines/qa/versions', { document: qaPipeline('{{ question | upcase }}'), message: 'shout', baseVersion: 1 });
      await api('POST', '/api/pipelines/qa/versions', { document: qaPipeline('Q: {{ question }}'), message: 'prefix', baseVersion: 2 });
      await api('POST', '/api/datasets', { name: 'cities', cases: CASES });
      await api('PUT', '/api/suites/qa', { scorers: [{ name: 'mentions', type: 'contains' }] });
      await api('PUT', '/api/suites/qa-strict', { scorers: [{ name: 'mentions', type: 'contains' }], gate: { failOn: 'regression', minPassRate: 0.9, maxDrop: { mentions: 0.1 } } });
      await api('PUT', '/api/pipelines/qa/labels/production', { version: 1 });
    },
  });
  ({ server, page } = session);
});
afterAll(() => session?.close());

describe('labels as badges', () => {
  it('marks the version a label points at, in the toolbar and the versions list', async () => {
    await page.goto(`${server.url}/pipelines/qa?version=1`);
    await page.getByTestId('toolbar').getByTestId('label-badge-production').waitFor();
    await page.goto(`${server.url}/pipelines/qa`);
    await page.getByTestId('tab-versions').click();
    await page.getByTestId('version-1').getByTestId('label-badge-production').waitFor();
    expect(await page.getByTestId('version-3').getByTestId('label-badge-production').count()).toBe(0);
    // the latest version (v3) holds no label
    expect(await page.getByTestId('toolbar').getByTestId('label-badge-production').count()).toBe(0);
  });
});

describe('the Deploy panel', () => {
  it('shows the comparison with the version the label holds before anything moves, then moves on one click', async () => {
    await page.getByTestId('view-deploy').click();
    await page.getByTestId('deploy-panel').waitFor();
    await expect.poll(() => page.getByTestId('deploy-holder').textContent()).toBe('production points at v1 now.');
    // each suite says which gates a move must pass, by the names the verdict gives them; none set is fail-on regression
    expect(await page.getByTestId('deploy-suite').locator('option').allTextContents()).toEqual([
      'qa (1 scorer; gate: fail-on regression, the default)',
      'qa-strict (1 scorer; gates: fail-on regression, min-pass-rate 0.9, max-drop mentions=0.1)',
    ]);
    await page.getByTestId('deploy-version').selectOption('3');
    expect(await page.getByTestId('deploy-move').count()).toBe(0);
    await page.getByTestId('deploy-compare').click();

    const verdict = page.getByTestId('deploy-verdict');
    await verdict.waitFor();
    expect(await verdict.getAttribute('data-verdict')).toBe('passed');
    expect(await page.getByTestId('deploy-verdict-text').textContent()).toBe('v3 is not worse than v1, which production points at now: every gate passes.');
    expect(await page.getByTestId('deploy-regressions').textContent()).toBe('No case regressed.');
    // the comparison came first: nothing has moved yet
    expect(await production()).toBe(1);
    expect(await history()).toHaveLength(1);

    await page.getByTestId('deploy-move').click();
    await expect.poll(() => page.getByTestId('deploy-moved').textContent()).toBe('production: v1 → v3.');
    // the verdict stays, told as what was found before the move: production points at v3 now
    expect(await page.getByTestId('deploy-verdict-text').textContent()).toBe('v3 is not worse than v1, which production pointed at before the move: every gate passes.');
    expect(await production()).toBe(3);
    expect((await history())[0]).toMatchObject({ label: 'production', from: 1, to: 3, forced: false, evalId: expect.any(String) });
    await expect.poll(() => page.getByTestId('label-production').textContent()).toContain('→ v3');
    await page.getByTestId('deploy-version-3').getByTestId('label-badge-production').waitFor();
  });

  it('lists the regressions of a worse version and moves it only on a second, deliberate click, recorded as forced', async () => {
    await page.getByTestId('deploy-version').selectOption('2');
    await page.getByTestId('deploy-compare').click();
    const verdict = page.getByTestId('deploy-verdict');
    await verdict.waitFor();
    expect(await verdict.getAttribute('data-verdict')).toBe('refused');
    expect(await page.getByTestId('deploy-verdict-text').textContent()).toBe('v2 is worse than v3, which production points at now: 8 cases regressed. Failing gate: fail-on regression.');
    expect(await page.getByTestId('deploy-regressions').locator('li').allTextContents()).toEqual(CITIES.map((_, i) => `c${i + 1}`));
    // each case is named once, in that list: the failing gate counts them
    expect(await verdict.getByRole('list', { name: 'Gates' }).textContent()).toBe('fails: fail-on regression — 8 cases regressed (listed below)');
    const shown = await verdict.innerText();
    for (const id of CITIES.map((_, i) => `c${i + 1}`)) expect(shown.match(new RegExp(`(?<![\\w-])${id}(?![\\w-])`, 'g')), id).toHaveLength(1);
    expect(await page.getByTestId('deploy-move').count()).toBe(0);
    await expectAccessible(page, 'deploy view with a refused verdict');

    // the first click only asks; the confirming button is elsewhere, so a double click cannot move it
    expect(await page.getByTestId('deploy-stays').textContent()).toBe('production stays at v3 unless you move it anyway.');
    await page.getByTestId('deploy-move-anyway').click();
    await page.getByTestId('deploy-confirm').waitFor();
    // it names the gate that failed, as the verdict does, rather than calling the version worse
    expect(await page.getByTestId('deploy-confirm').locator('p').textContent()).toBe('Move production to v2 though fail-on regression fails? The history records the move as forced, with this eval.');
    expect(await page.getByTestId('deploy-move-anyway').count()).toBe(0);
    expect(await production()).toBe(3);
    await page.getByTestId('deploy-move-cancel').click();
    await page.getByTestId('deploy-move-anyway').waitFor();
    expect(await production()).toBe(3);
    expect(await history()).toHaveLength(2);

    await page.getByTestId('deploy-move-anyway').click();
    await page.getByTestId('deploy-move-forced').click();
    await expect.poll(() => page.getByTestId('deploy-moved').textContent()).toBe('production: v3 → v2 — moved anyway; the history records it as forced.');
    expect(await production()).toBe(2);
    const [latest] = await history();
    expect(latest).toMatchObject({ label: 'production', from: 3, to: 2, forced: true, evalId: expect.any(String) });
    await expect.poll(() => page.getByTestId('deployment-production-0').textContent()).toContain('forced');
  });

  it('rolls a label back from the history in one click, as one more recorded move', async () => {
    const row = page.getByTestId('deployment-production-0');
    expect(await row.textContent()).toContain('v3 → v2');
    await row.getByRole('button', { name: 'Move production back to v3' }).click();
    await expect.poll(production).toBe(3);
    const [latest] = await history();
    expect(latest).toMatchObject({ label: 'production', from: 2, to: 3, forced: false, note: 'rolled back from the editor' });
    await expect.poll(() => page.getByTestId('deployment-production-0').textContent()).toContain('v2 → v3');
    await expect.poll(() => page.getByTestId('label-production').textContent()).toContain('→ v3');
    expect(await history()).toHaveLength(4);
    // the verdict and "moved" line were about the move before: they are gone
    expect(await page.getByTestId('deploy-moved').count()).toBe(0);
  });

  it('says what a label not set yet is checked against: only the gates that need no version to compare with', async () => {
    await page.getByTestId('deploy-label').fill('staging');
    await page.getByTestId('deploy-version').selectOption('2');
    const holder = page.getByTestId('deploy-holder');
    await expect.poll(() => holder.textContent()).toBe('staging is not set yet: with no version there to compare v2 with, no gate of this suite applies, and v2 can be the first version there.');
    await page.getByTestId('deploy-compare').click();
    await expect.poll(() => page.getByTestId('deploy-verdict-text').textContent()).toBe('staging is not set yet: with no version there to compare v2 with, no gate applies, and v2 can be the first version there.');
    expect(await page.getByTestId('deploy-verdict').getByRole('list', { name: 'Gates' }).textContent()).toBe('skipped: fail-on regression — there is no version there to compare with');

    await page.getByTestId('deploy-suite').selectOption('qa-strict');
    await expect.poll(() => holder.textContent()).toBe('staging is not set yet: with no version there to compare v2 with, only min-pass-rate 0.9 applies.');
    await page.getByTestId('deploy-compare').click();
    // v2 shouts the question: only the case "what is 42" mentions what it expects
    await expect.poll(() => page.getByTestId('deploy-verdict-text').textContent()).toBe('staging is not set yet, and v2 fails min-pass-rate 0.9.');
    expect(await page.getByTestId('deploy-stays').textContent()).toBe('staging stays unset unless you move it anyway.');
    await page.getByTestId('deploy-move-anyway').click();
    expect(await page.getByTestId('deploy-confirm').locator('p').textContent()).toBe('Move staging to v2 though min-pass-rate 0.9 fails? The history records the move as forced, with this eval.');
    await page.getByTestId('deploy-move-cancel').click();
    expect(await (await api('GET', '/api/pipelines/qa/labels')).labels.staging).toBeUndefined();
    await page.getByTestId('deploy-suite').selectOption('qa');
    await page.getByTestId('deploy-label').fill('production');
  });
});

describe('the call snippets', () => {
  it('call the label through this runner’s /v1 with the key read from an environment variable, and copy as shown', async () => {
    const base = `${server.url}/v1`;
    const curl = await page.getByTestId('snippet-curl').textContent();
    const python = await page.getByTestId('snippet-python').textContent();
    const typescript = await page.getByTestId('snippet-typescript').textContent();
    expect(curl).toContain(`'${base}/chat/completions'`);
    expect(curl).toContain('"Authorization: Bearer $PATCHBAY_KEY"');
    expect(curl).toContain('"model":"qa@production"');
    expect(python).toContain(`OpenAI(base_url="${base}", api_key=os.environ["PATCHBAY_KEY"])`);
    expect(python).toContain('model="qa@production"');
    expect(typescript).toContain(`new OpenAI({ baseURL: '${base}', apiKey: process.env.PATCHBAY_KEY })`);
    expect(typescript).toContain("model: 'qa@production'");

    await page.getByTestId('copy-typescript').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(typescript);

    // The copied TypeScript runs as it is, with the openai package, against the label (v3 prefixes "Q: ").
    const file = path.join(import.meta.dirname, `.snippet-${process.pid}.mjs`);
    fs.writeFileSync(file, typescript!);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [file], { env: { PATH: process.env.PATH, PATCHBAY_KEY: 'any-value-on-loopback' } });
      expect(stdout.trim()).toBe('Q: Hello');
      // "Any value" except a pbk_ one: a key that is not stored is refused even on loopback, as the hint says.
      const refused = await promisify(execFile)(process.execPath, [file], { env: { PATH: process.env.PATH, PATCHBAY_KEY: 'pbk_not-a-stored-key' } }).then(() => undefined, (e) => e);
      expect(refused?.stderr).toMatch(/401/);
      expect(await page.getByTestId('snippet-key-hint').textContent()).toMatch(/any value that does not begin with pbk_ works/);
    } finally {
      fs.rmSync(file, { force: true });
    }
    const [served] = await api('GET', '/api/runs?pipeline=qa&source=openai');
    expect(served).toMatchObject({ label: 'production', version: 3 });
  });

  it('offer a label of digits only, made by an older runner, by the version it points at: /v1 reads NAME@7 as version 7 and refuses it', async () => {
    // Written as an older runner could: the store takes any label it is given (the API refuses "7" now).
    const store = openSqliteStore(server.dataDir);
    await store.labels.move({ pipeline: 'qa', label: '7', version: 1, by: 'admin', note: null, evalId: null, forced: false });
    await store.close();
    try {
      await page.goto(`${server.url}/pipelines/qa/deploy`);
      await page.getByTestId('snippet-label').selectOption('7');
      await expect.poll(() => page.getByTestId('snippet-typescript').textContent()).toContain("model: 'qa@v1'");
      expect(await page.getByTestId('snippet-curl').textContent()).toContain('"model":"qa@v1"');
      expect(await page.getByTestId('snippet-python').textContent()).toContain('model="qa@v1"');
      expect(await page.getByTestId('snippet-version-note').textContent()).toBe('/v1 does not serve "qa@7": it reads as version 7. These call v1, which the label 7 points at, by its number: "qa@v1".');
      // The copied call answers (v1 echoes the question), where qa@7 is a 404.
      const file = path.join(import.meta.dirname, `.snippet-${process.pid}.mjs`);
      fs.writeFileSync(file, (await page.getByTestId('snippet-typescript').textContent())!);
      try {
        const { stdout } = await promisify(execFile)(process.execPath, [file], { env: { PATH: process.env.PATH, PATCHBAY_KEY: 'any-value-on-loopback' } });
        expect(stdout.trim()).toBe('Hello');
      } finally {
        fs.rmSync(file, { force: true });
      }
      await page.getByTestId('snippet-label').selectOption('production');
      expect(await page.getByTestId('snippet-version-note').count()).toBe(0);
    } finally {
      await api('DELETE', '/api/pipelines/qa/labels/7');
    }
  });
});

describe('labels in the evals view', () => {
  it('mark the evals and the version choice of the version a label points at', async () => {
    await page.goto(`${server.url}/pipelines/qa/evals`);
    const evals = await api('GET', '/api/evals?pipeline=qa');
    const ofV3 = evals.find((e: { version: number }) => e.version === 3);
    await page.getByTestId(`eval-row-${ofV3.id}`).getByTestId('label-badge-production').waitFor();
    const ofV1 = evals.find((e: { version: number }) => e.version === 1);
    expect(await page.getByTestId(`eval-row-${ofV1.id}`).getByTestId('label-badge-production').count()).toBe(0);
    await expect.poll(() => page.getByTestId('eval-version').locator('option[value="3"]').textContent()).toContain('[production]');
  });
});

describe('a dataset or suite the version the label holds cannot be evaluated on', () => {
  it('says so plainly, offers another dataset or suite, or a move anyway recorded as forced (as patchbay promote --force)', async () => {
    // v2 takes an input ("lang") v1 has not: a dataset made for v2 cannot be run on v1, so there is nothing to compare with
    await api('POST', '/api/pipelines', qaPipeline('{{ question }}', 'grows'));
    const v2 = qaPipeline('{{ question }} ({{ lang }})', 'grows');
    v2.nodes.push({ id: 'lang', type: 'input', position: { x: 0, y: 160 }, config: { name: 'lang', valueType: 'string' } });
    v2.edges.push({ from: 'lang.value', to: 'answer.lang' });
    await api('POST', '/api/pipelines/grows/versions', { document: v2, message: 'lang', baseVersion: 1 });
    await api('POST', '/api/datasets', { name: 'cities-lang', cases: CASES.map((c) => ({ ...c, input: { ...c.input, lang: 'en' } })) });
    await api('PUT', '/api/pipelines/grows/labels/production', { version: 1 });
    const grows = async () => (await api('GET', '/api/pipelines/grows/deployments')).deployments;

    await page.goto(`${server.url}/pipelines/grows/deploy`);
    await expect.poll(() => page.getByTestId('deploy-holder').textContent()).toBe('production points at v1 now.');
    await page.getByTestId('deploy-dataset').selectOption('cities-lang');
    await page.getByTestId('deploy-version').selectOption('2');
    await page.getByTestId('deploy-compare').click();
    const misfit = page.getByTestId('deploy-holder-misfit');
    await misfit.waitFor();
    expect(await misfit.getByTestId('deploy-misfit-reason').textContent()).toBe(
      'v2 cannot be compared with v1: v1, which production points at now, cannot be evaluated on this dataset and suite: dataset "cities-lang": case 1: case "n1": the pipeline has no input "lang" (its inputs: question).',
    );
    expect(await page.getByTestId('deploy-error').count()).toBe(0);
    await expectAccessible(page, 'deploy view, the label\'s version cannot be evaluated');

    // the way on that fixes it: the field at fault (here the dataset) takes the focus
    await misfit.getByTestId('deploy-pick-other').click();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('deploy-dataset');

    // or move anyway: asked once more, then recorded as forced
    await page.getByTestId('deploy-move-anyway').click();
    expect(await page.getByTestId('deploy-confirm').locator('p').textContent()).toBe(
      'Move production to v2 without comparing it with v1? v2 alone is evaluated (its own gates still apply), and the history records the move as forced.',
    );
    await page.getByTestId('deploy-move-cancel').click();
    await page.getByTestId('deploy-move-anyway').waitFor();
    expect(await grows()).toHaveLength(1);
    await page.getByTestId('deploy-move-anyway').click();
    await page.getByTestId('deploy-move-forced').click();
    await expect.poll(() => page.getByTestId('deploy-moved').textContent()).toBe('production: v1 → v2 — moved anyway; the history records it as forced.');
    const [latest] = await grows();
    expect(latest).toMatchObject({ label: 'production', from: 1, to: 2, forced: true, evalId: expect.any(String), note: 'promoted with "force": true: v1, which production holds, cannot be evaluated on this suite' });
    await expect.poll(() => page.getByTestId('deployment-production-0').textContent()).toContain('forced');
  });
});

// Last: it opens another pipeline's Deploy view, which the tests above do not expect.
describe('the history of a pipeline saved again under a deleted one\'s name', () => {
  it('offers no rollback from the moves of a deleted pipeline of the same name: its version numbers name other documents now', async () => {
    await api('POST', '/api/pipelines', qaPipeline('{{ question }}', 'reborn'));
    await api('POST', '/api/pipelines/reborn/versions', { document: qaPipeline('old v2: {{ question }}', 'reborn'), message: 'old two', baseVersion: 1 });
    await api('PUT', '/api/pipelines/reborn/labels/production', { version: 1 });
    await api('PUT', '/api/pipelines/reborn/labels/production', { version: 2 });
    await api('DELETE', '/api/pipelines/reborn');
    // Saved again under the name: its v1 and v2 are not the documents the old moves took production to.
    await api('POST', '/api/pipelines', qaPipeline('new {{ question }}', 'reborn'));
    await api('POST', '/api/pipelines/reborn/versions', { document: qaPipeline('new v2: {{ question }}', 'reborn'), message: 'new two', baseVersion: 1 });
    await api('PUT', '/api/pipelines/reborn/labels/production', { version: 2 });
    await api('PUT', '/api/pipelines/reborn/labels/production', { version: 1 });
    await page.goto(`${server.url}/pipelines/reborn/deploy`);
    const rows = page.getByTestId('history-production').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(5);
    // This pipeline's own move offers its way back; the three moves of the deleted one none, and say why.
    expect(await rows.nth(0).textContent()).toContain('v2 → v1');
    expect(await rows.nth(0).getByRole('button').textContent()).toBe('Move production back to v2');
    for (const i of [2, 3, 4]) {
      expect(await rows.nth(i).getByRole('button').count(), `row ${i}`).toBe(0);
      expect(await rows.nth(i).textContent(), `row ${i}`).toContain('a deleted pipeline of this name');
    }
    expect(await rows.nth(3).textContent()).toContain('v1 → v2');
  });
});
