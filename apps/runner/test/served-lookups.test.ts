import fs from 'node:fs';

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../src/store/index';
import { SqliteChangeClock } from '../src/store/sqlite-change-clock';
import { SERVED_TABLES } from '../src/store/migrations/026-served-changes';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';
import { runCli, cleanEnv } from './cli-child';

// Serving keeps the label and version it looked up in memory (read-cache.ts): these are the writes that must end that.

/** The echo pipeline answering "<tag> <question>". */
function tagged(name: string, tag: string) {
  const doc = echoPipeline(name);
  doc.nodes[1].config.prompt = `${tag} {{ question }}`;
  return doc;
}

let runner: TestRunner;
let other: SqliteStore | undefined;
const answer = async (model: string) => {
  const res = await runner.post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] });
  expect(res.status).toBe(200);
  return (await res.json()).choices[0].message.content as string;
};
const save = async (name: string, tag: string, baseVersion: number | null) =>
  baseVersion === null
    ? expect((await runner.post('/api/pipelines', tagged(name, tag))).status).toBe(201)
    : expect((await runner.post(`/api/pipelines/${name}/versions`, { document: tagged(name, tag), message: tag, baseVersion })).status).toBe(201);

beforeAll(async () => {
  runner = await startTestRunner();
});
afterAll(async () => {
  await other?.close();
  await runner.close();
});

describe('served label and version lookups', () => {
  it('follow PUT and DELETE of a label, and a pipeline deleted and saved again, from the next request on', async () => {
    await save('moving', 'one', null);
    await save('moving', 'two', 1);
    expect((await runner.put('/api/pipelines/moving/labels/production', { version: 1 })).status).toBe(200);
    expect(await answer('moving')).toBe('one hi');
    expect(await answer('moving')).toBe('one hi');
    expect((await runner.put('/api/pipelines/moving/labels/production', { version: 2 })).status).toBe(200);
    expect(await answer('moving')).toBe('two hi');
    expect(await answer('moving@v1')).toBe('one hi');

    expect((await runner.api('/api/pipelines/moving/labels/production', { method: 'DELETE' })).status).toBeLessThan(300);
    expect((await runner.post('/v1/chat/completions', { model: 'moving', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(404);

    expect((await runner.api('/api/pipelines/moving', { method: 'DELETE' })).status).toBeLessThan(300);
    await save('moving', 'again', null);
    expect((await runner.put('/api/pipelines/moving/labels/production', { version: 1 })).status).toBe(200);
    expect(await answer('moving')).toBe('again hi');
    expect(await answer('moving@v1')).toBe('again hi');
    expect((await runner.post('/v1/chat/completions', { model: 'moving@v2', messages: [{ role: 'user', content: 'hi' }] })).status).toBe(404);
  });

  it('follow a label moved, and a pipeline re-created, by another connection to the same file', async () => {
    await save('shared', 'one', null);
    await save('shared', 'two', 1);
    expect((await runner.put('/api/pipelines/shared/labels/production', { version: 1 })).status).toBe(200);
    expect(await answer('shared')).toBe('one hi');

    other = openSqliteStore(runner.dataDir);
    await other.labels.move({ pipeline: 'shared', label: 'production', version: 2, by: 'admin' });
    expect(await answer('shared')).toBe('two hi');

    // Deleted and saved again elsewhere: version 1 is another document now.
    expect(await answer('shared@v1')).toBe('one hi');
    expect(await other.pipelines.delete('shared')).toBe(true);
    const doc = tagged('shared', 'new');
    expect((await other.versions.save({ pipeline: 'shared', document: doc, message: 'new', baseVersion: null, contentHash: 'c-new', behaviorHash: 'b-new', problems: [] })).status).toBe('created');
    expect(await answer('shared@v1')).toBe('new hi');
  });

  it('are kept while runs are written, by this process or another, and dropped on the next label move', async () => {
    // The clock the served lookups are cached by (read-cache.ts): it must move on a served table's change only,
    // or the runs other processes write to the same file (a CLI run, another runner) would empty the cache each time.
    const dir = fs.mkdtempSync(path.join(runner.dataDir, 'steady-'));
    const store = openSqliteStore(dir);
    const elsewhere = openSqliteStore(dir);
    try {
      const clock = new SqliteChangeClock(store.db, SERVED_TABLES);
      const run = (id: string) => ({ id, pipeline: null, version: null, document: null, inputs: {}, startedAt: Date.now(), owner: 'host:1' });
      const end = (id: string) => ({ id, status: 'succeeded' as const, outputs: {}, error: null, failedNode: null, durationMs: 1, nodes: {}, events: [] });
      const before = clock.now();
      await store.runs.begin(run('here'));
      await store.runs.finish(end('here'));
      await elsewhere.runs.begin(run('there'));
      await elsewhere.runs.finish(end('there'));
      expect(clock.now()).toBe(before);
      expect((await store.runs.get('there'))?.status).toBe('succeeded');

      expect((await elsewhere.versions.save({ pipeline: 'steady', document: tagged('steady', 'one'), message: 'm', baseVersion: null, contentHash: 'c', behaviorHash: 'b', problems: [] })).status).toBe('created');
      const saved = clock.now();
      expect(saved).not.toBe(before);
      await elsewhere.labels.move({ pipeline: 'steady', label: 'production', version: 1, by: 'admin' });
      expect(clock.now()).not.toBe(saved);
    } finally {
      await elsewhere.close();
      await store.close();
    }
  });

  it('follow `patchbay promote --force` run in another process while the runner serves', async () => {
    await save('promoted', 'one', null);
    await save('promoted', 'two', 1);
    expect((await runner.put('/api/pipelines/promoted/labels/production', { version: 1 })).status).toBe(200);
    expect(await answer('promoted')).toBe('one hi');

    const dir = runner.dataDir;
    fs.writeFileSync(path.join(dir, 'cases.jsonl'), JSON.stringify({ id: 'c1', input: { question: 'x' }, expected: 'x' }) + '\n');
    fs.writeFileSync(path.join(dir, 'suite.json'), JSON.stringify({ format: 'patchbay.eval/v1', name: 'promoted-suite', dataset: 'cases.jsonl', scorers: [{ name: 'mentions', type: 'contains', target: 'answer' }] }));
    const moved = await runCli(['promote', 'promoted', '--label', 'production', '--version', '2', '--suite', 'suite.json', '--force', '--data', dir], dir, cleanEnv());
    expect(moved.code).toBe(0);
    expect(await answer('promoted')).toBe('two hi');
  }, 120_000);
});

