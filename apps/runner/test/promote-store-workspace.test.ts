import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from './cli-child';
import { askDocsPipeline } from './support/ask-docs-pipeline';
import { sseEvents, startTestRunner, type TestRunner } from './support/test-runner';
import { scaleServices } from './support/scale-services';

// patchbay promote --store postgres://… evaluates with the workspace the servers published to the store
// (config and index artifacts), as a worker runs an eval's cases: not with the data dir of the folder it runs in.
describe('patchbay promote --store postgres://… with a published workspace', () => {
  const services = scaleServices();
  let runner: TestRunner;
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  let datasets = 0;
  /**
   * A folder that is not the server's: the suite and its cases, and (with `localIndex`) a ./.patchbay of its own.
   * Each its own case id, so no promotion reuses the stored eval of another test.
   */
  const elsewhere = async (localIndex?: string) => {
    const cwd = tempDir('patchbay-promote-cwd-');
    writeFileSync(path.join(cwd, 'ask-cases.jsonl'), JSON.stringify({ id: `w${++datasets}`, input: { question: 'warranty' }, expected: 'two years' }) + '\n');
    const suite = { format: 'patchbay.eval/v1', name: 'ask-suite', dataset: 'ask-cases.jsonl', scorers: [{ name: 'found', type: 'contains', target: 'docs' }], gate: { minPassRate: 1 } };
    writeFileSync(path.join(cwd, 'ask-suite.json'), JSON.stringify(suite));
    if (localIndex !== undefined) {
      writeFileSync(path.join(cwd, 'local.md'), localIndex);
      expect((await runCli(['index', 'docs', 'local.md'], cwd, cleanEnv())).code).toBe(0);
    }
    return cwd;
  };
  const labels = async () => (await (await runner.api('/api/pipelines/ask/labels')).json()).labels;

  beforeAll(async () => {
    // The server's data dir holds the index "docs"; scaled out, the server publishes it and its config to the store.
    const dataDir = tempDir('patchbay-promote-server-');
    writeFileSync(path.join(dataDir, 'warranty.md'), 'The warranty lasts two years.\n');
    expect((await runCli(['index', 'docs', 'warranty.md', '--data', dataDir], dataDir, cleanEnv())).code).toBe(0);
    runner = await startTestRunner({ dataDir, store: services.store, queue: { url: services.redis.url, work: false } });
    expect((await runner.post('/api/pipelines', askDocsPipeline)).status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await runner?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('run from another folder without --data, evaluates with the store\'s index and moves the label; no ./.patchbay is made', async () => {
    const cwd = await elsewhere();
    const result = await runCli(['promote', 'ask', '--label', 'canary', '--version', '1', '--suite', 'ask-suite.json', '--store', services.store], cwd, cleanEnv());
    expect(result.stderr).toMatch(/v1: evaluating/);
    expect(result.stderr).toMatch(/with the workspace published to the store \(config [0-9a-f]{12}, indexes: docs\)/);
    expect(result.stdout).toMatch(/canary: \(not set\) → v1/);
    expect(result.code).toBe(0);
    expect(existsSync(path.join(cwd, '.patchbay'))).toBe(false);
    expect((await labels()).canary.version).toBe(1);
  }, 120_000);

  it('the store\'s workspace wins over the folder\'s own ./.patchbay (and PATCHBAY_STORE is --store)', async () => {
    const cwd = await elsewhere('The warranty is void.\n');
    const result = await runCli(['promote', 'ask', '--label', 'staging', '--version', '1', '--suite', 'ask-suite.json'], cwd, cleanEnv({ PATCHBAY_STORE: services.store }));
    expect(result.stderr).toMatch(/v1: evaluating/);
    expect(result.stdout).toMatch(/staging: \(not set\) → v1/);
    expect(result.code).toBe(0);
    expect((await labels()).staging.version).toBe(1);
  }, 120_000);

  it('--data names where the fetched index artifacts are kept; an index the store does not hold is named with where to publish it', async () => {
    const cwd = await elsewhere();
    const cache = tempDir('patchbay-promote-data-');
    const moved = await runCli(['promote', 'ask', '--label', 'preview', '--version', '1', '--suite', 'ask-suite.json', '--store', services.store, '--data', cache], cwd, cleanEnv());
    expect(moved.stderr).toMatch(/v1: evaluating/);
    expect(moved.stdout).toMatch(/preview: \(not set\) → v1/);
    expect(readdirSync(path.join(cache, 'artifacts')).length).toBeGreaterThan(0);

    const faq = JSON.parse(JSON.stringify(askDocsPipeline).replace('"index":"docs"', '"index":"faq"').replace('"name":"ask"', '"name":"faq"'));
    expect((await runner.post('/api/pipelines', faq)).status).toBe(201);
    const missing = await runCli(['promote', 'faq', '--label', 'canary', '--version', '1', '--suite', 'ask-suite.json', '--store', services.store], cwd, cleanEnv());
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/unknown index "faq"; indexes: docs/);
    expect(missing.stderr).toMatch(/looked for indexes in the workspace published to the store: index it on a serving data dir with patchbay index NAME FILE… --store STORE/);
  }, 120_000);

  it('--config with a store that holds a workspace config is refused in one line, exit 2, and the label does not move', async () => {
    const cwd = await elsewhere();
    writeFileSync(path.join(cwd, 'patchbay.config.json'), '{}');
    const args = ['promote', 'ask', '--label', 'beta', '--version', '1', '--suite', 'ask-suite.json', '--store', services.store, '--config', 'patchbay.config.json'];
    const result = await runCli(args, cwd, cleanEnv());
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^patchbay promote: --config patchbay\.config\.json: the store .* holds the workspace config its servers published, which the evals run with \(as the workers do\); leave out --config$/),
    ]);
    expect((await labels()).beta).toBeUndefined();
  }, 120_000);

  it('scaled out over HTTP, an eval of a version that calls a pipeline reading an index is evaluated again once that index is re-indexed', async () => {
    // A server of its own store and Redis database that runs its eval cases through the queue.
    const own = await startTestRunner({ store: await services.postgres.createDatabase(), queue: { url: `${services.redis.url}/3`, work: true } });
    try {
      const ingest = async (text: string) => expect((await own.post('/api/indexes/shelf-docs/documents', { documents: [{ text }] })).status).toBe(201);
      await ingest('Returns are accepted for thirty days.');
      const shelf = JSON.parse(JSON.stringify(askDocsPipeline).replace('"index":"docs"', '"index":"shelf-docs"').replace('"name":"ask"', '"name":"shelf"'));
      const desk = {
        format: 'patchbay.pipeline/v1',
        name: 'desk',
        nodes: [
          { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
          { id: 'p', type: 'pipeline', config: { ref: 'shelf@v1' } },
          { id: 'out', type: 'output', config: { name: 'docs' } },
        ],
        edges: [
          { from: 'q.value', to: 'p.question' },
          { from: 'p.docs', to: 'out.value' },
        ],
      };
      expect((await own.post('/api/pipelines', shelf)).status).toBe(201);
      expect((await own.post('/api/pipelines', desk)).status).toBe(201);
      expect((await own.post('/api/datasets', { name: 'desk-cases', cases: [{ id: 'd1', input: { question: 'returns' }, expected: 'thirty days' }] })).status).toBe(201);
      const suite = { name: 'desk-suite', dataset: 'desk-cases', scorers: [{ name: 'found', type: 'contains', target: 'docs' }] };
      /** Promotes desk v1 to a label not set yet: only v1 is evaluated (or reused). */
      const reused = async (label: string) => {
        const res = await own.post('/api/pipelines/desk/promotions', { label, version: 1, suite });
        expect(res.status).toBe(202);
        const { id } = await res.json();
        const evals = [];
        for await (const e of sseEvents(await own.api(`/api/promotions/${id}/events`))) if (e.event === 'promotion.eval') evals.push(JSON.parse(e.data).reused);
        expect(await (await own.api(`/api/promotions/${id}`)).json()).toMatchObject({ status: 'moved' });
        return evals;
      };
      expect(await reused('stage-a')).toEqual([false]);
      expect(await reused('stage-b')).toEqual([true]);
      // shelf-docs, read only by shelf (desk calls it), re-indexed through the API: published, and desk's eval is stale.
      await ingest('Shipping takes three days.');
      expect(await reused('stage-c')).toEqual([false]);
      expect(await reused('stage-d')).toEqual([true]);
    } finally {
      await own.close();
    }
  }, 120_000);
});
