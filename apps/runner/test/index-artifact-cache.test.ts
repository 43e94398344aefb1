import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createModelService, createOfflineProvider, openRetrievalStore, type RetrievalStore } from '@patchbay/core/node';
import { openSqliteStore, type SqliteStore } from '../src/store/index';
import { IndexArtifactCache } from '../src/workspace/index-artifact-cache';

// The worker's local cache of index artifacts (#16.5), over a real store and real SQLite files.
const models = createModelService({ offline: createOfflineProvider() });
const DOCS = [
  { id: 'refunds', text: 'Refunds are issued to the original payment method within five business days.' },
  { id: 'shipping', text: 'Standard shipping takes three to seven days.' },
];

let dir: string;
let store: SqliteStore;
let local: RetrievalStore;
let lines: string[];
let cache: IndexArtifactCache;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'patchbay-artifact-cache-'));
  store = openSqliteStore(path.join(dir, 'store'));
  local = openRetrievalStore({ dataDir: path.join(dir, 'server'), models });
  await local.ingest('docs', DOCS);
  lines = [];
  cache = new IndexArtifactCache({ dir: path.join(dir, 'cache'), artifacts: store.artifacts, log: (line) => lines.push(line) });
});
afterEach(async () => {
  cache.close();
  local.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function publish(name: string): Promise<string> {
  const file = path.join(dir, `${name}.snapshot`);
  await local.snapshot(name, file);
  return (await store.artifacts.publish('index', name, readFileSync(file))).hash;
}

describe('index artifact cache', () => {
  it('fetches an artifact once however many searches ask for it at once, and searches it as the index it came from', async () => {
    const hash = await publish('docs');
    const results = await Promise.all(Array.from({ length: 5 }, async () => (await cache.open(hash, models, 'config')).search('docs', 'refund payment', { topK: 2, mode: 'hybrid' })));
    for (const docs of results) expect(docs).toEqual(await local.search('docs', 'refund payment', { topK: 2, mode: 'hybrid' }));
    expect(lines.filter((l) => l.startsWith(`fetched index artifact ${hash}`))).toHaveLength(1);
    // A second cache on the same dir (another process) finds the file there and fetches nothing.
    const again = new IndexArtifactCache({ dir: path.join(dir, 'cache'), artifacts: store.artifacts, log: (line) => lines.push(line) });
    await again.file(hash);
    again.close();
    expect(lines).toHaveLength(1);
    expect(readdirSync(path.join(dir, 'cache'))).toEqual([`${hash}.sqlite`]);
  });

  it('refuses bytes that do not match their hash and leaves no file behind', async () => {
    const hash = await publish('docs');
    store.db.prepare('UPDATE artifacts SET bytes = ? WHERE hash = ?').run(Buffer.from('not the index'), hash);
    await expect(cache.file(hash)).rejects.toThrow(`index artifact ${hash} does not match its hash`);
    await expect(cache.file('0'.repeat(64))).rejects.toThrow('is not in the store');
    await expect(cache.file('../../etc/passwd')).rejects.toThrow('not an artifact hash');
    expect(readdirSync(dir)).not.toContain('cache');
  });
});
