import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, openSqliteStore, type Migration } from '../src/store/index';
import { migrations } from '../src/store/migrations/index';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-store-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('migrations', () => {
  it('apply once, in id order, and a module added later brings its own', async () => {
    const file = path.join(tempDir(), 'runner.sqlite');
    const first = openDatabase(file);
    expect(first.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(first.prepare('SELECT id FROM schema_migrations').pluck().all()).toEqual(['001-initial']);
    first.close();

    // What the evals module would do: a migration of its own, next to the built-in ones.
    const evals: Migration = { id: '002-evals', up: (db) => db.exec('ALTER TABLE eval_results ADD COLUMN summary TEXT') };
    const second = openDatabase(file, [evals, ...migrations]);
    expect(second.prepare('SELECT id FROM schema_migrations ORDER BY id').pluck().all()).toEqual(['001-initial', '002-evals']);
    expect(second.prepare("SELECT name FROM pragma_table_info('eval_results')").pluck().all()).toContain('summary');
    second.close();

    // Opening again changes nothing (a second ALTER TABLE would throw).
    openDatabase(file, [...migrations, evals]).close();
  });

  it('refuse two migrations with one id', () => {
    const twin: Migration = { id: '001-initial', up: () => {} };
    expect(() => openDatabase(path.join(tempDir(), 'x.sqlite'), [...migrations, twin])).toThrow(/001-initial/);
  });
});

describe('run store', () => {
  const start = (id: string, owner: string) => ({ id, pipeline: 'p', version: 1, document: null, inputs: { q: 1 }, startedAt: Date.now(), owner });

  it('sees its own queued writes and records node traces with the outcome', async () => {
    const store = openSqliteStore(tempDir());
    store.runs.begin(start('r1', 'host:1'));
    expect((await store.runs.get('r1'))?.status).toBe('running');
    store.runs.finish({
      id: 'r1',
      status: 'succeeded',
      outputs: { a: 1 },
      error: null,
      failedNode: null,
      durationMs: 3,
      nodes: { n: { id: 'n', type: 'code', status: 'succeeded', attempts: 1, startedAt: 1, durationMs: 2, outputs: { value: 1 } } },
      events: [{ type: 'run.started', runId: 'r1', at: 1, inputs: {} }],
    });
    const run = await store.runs.get('r1');
    expect(run).toMatchObject({ status: 'succeeded', outputs: { a: 1 }, durationMs: 3, nodes: { n: { outputs: { value: 1 } } } });
    // Stored without the repeated runId; read back whole.
    expect(await store.runs.events('r1')).toEqual([{ type: 'run.started', runId: 'r1', at: 1, inputs: {} }]);
    expect(store.db.prepare("SELECT events FROM runs WHERE id = 'r1'").pluck().get()).not.toContain('runId');
    await store.close();
  });

  it('interrupts only the running runs whose process is gone', async () => {
    const store = openSqliteStore(tempDir());
    store.runs.begin(start('dead', 'host:111'));
    store.runs.begin(start('alive', 'host:222'));
    const n = await store.runs.interruptOrphans((owner) => owner === 'host:222');
    expect(n).toBe(1);
    expect((await store.runs.get('dead'))?.status).toBe('interrupted');
    expect((await store.runs.get('alive'))?.status).toBe('running');
    await store.close();
  });
});
