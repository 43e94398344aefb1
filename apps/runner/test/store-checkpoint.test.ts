import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSqliteStore, RUNNER_DB_FILE, type SqliteStore } from '../src/store/index';

let dir: string;
let store: SqliteStore;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-checkpoint-'));
  store = openSqliteStore(dir);
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// Fewer pages than SQLite's own automatic checkpoint waits for (1,000): only the checkpoint thread copies them while the store is open.
it('copies runs into the database file while the runner stays open (a checkpoint thread), so the WAL does not grow without bound', async () => {
  const file = path.join(dir, RUNNER_DB_FILE);
  const before = fs.statSync(file).size;
  const question = 'x'.repeat(3000);
  for (let i = 0; i < 400; i++) {
    const id = `run-${i}`;
    void store.runs.begin({ id, pipeline: 'p', version: 1, document: null, inputs: { question }, startedAt: i, owner: 'host:1', source: 'openai', label: 'production', keyName: null });
    void store.runs.finish({ id, status: 'succeeded', outputs: { answer: `answer ${i}` }, error: null, failedNode: null, durationMs: 20, nodes: {}, events: [] });
    if (i % 50 === 49) await store.runs.flush();
  }
  await store.runs.flush();
  // 300 runs of 3 KB each at least, once a checkpoint has run on the worker.
  const copied = () => fs.statSync(file).size - before > 300 * 3000;
  for (let waited = 0; !copied() && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(copied()).toBe(true);
  expect(await store.runs.get('run-399')).toMatchObject({ status: 'succeeded', outputs: { answer: 'answer 399' }, inputs: { question } });
}, 15_000);
