import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createModelService, createOfflineProvider, openRetrievalStore, type RetrievalStore } from '@patchbay/core/node';
import { openSqliteStore, type SqliteStore } from '../src/store/index';
import { IndexArtifactCache } from '../src/workspace/index-artifact-cache';
import { ARTIFACT_RETAIN_MS } from '../src/store/artifacts';

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

  it('deletes files no process of the dir has used for a week, and temp files a crashed fetch left, when a cache is made', async () => {
    const cacheDir = path.join(dir, 'cache');
    const used = await publish('docs');
    await cache.open(used, models, 'config');
    const weekAgo = (Date.now() - ARTIFACT_RETAIN_MS - 60_000) / 1000;
    const old = 'a'.repeat(64);
    const reused = 'b'.repeat(64);
    mkdirSync(cacheDir, { recursive: true });
    for (const name of [`${old}.sqlite`, `${reused}.sqlite`, `.${old}.123.x.tmp`, 'notes.txt']) {
      writeFileSync(path.join(cacheDir, name), 'x');
      utimesSync(path.join(cacheDir, name), weekAgo, weekAgo);
    }
    writeFileSync(path.join(cacheDir, `.${reused}.456.y.tmp`), 'x'); // a fetch going on now
    // Another process of this dir used `reused` an hour ago; `used` is open here, whatever its time says.
    utimesSync(path.join(cacheDir, `${reused}.sqlite`), Date.now() / 1000 - 3600, Date.now() / 1000 - 3600);
    utimesSync(path.join(cacheDir, `${used}.sqlite`), weekAgo, weekAgo);

    expect(await cache.sweep()).toEqual({ removed: 2, bytes: 2 });
    expect(readdirSync(cacheDir).sort()).toEqual([`.${reused}.456.y.tmp`, `${used}.sqlite`, `${reused}.sqlite`, 'notes.txt'].sort());

    // A new cache on the dir sweeps as it starts; a file this process opens is marked used.
    utimesSync(path.join(cacheDir, `${reused}.sqlite`), weekAgo, weekAgo);
    utimesSync(path.join(cacheDir, `${used}.sqlite`), Date.now() / 1000 - 7200, Date.now() / 1000 - 7200);
    const next = new IndexArtifactCache({ dir: cacheDir, artifacts: store.artifacts, log: (line) => lines.push(line) });
    await next.swept;
    await next.open(used, models, 'config');
    await new Promise((resolve) => setTimeout(resolve, 50)); // the mark is written in the background
    next.close();
    expect(readdirSync(cacheDir).sort()).toEqual([`.${reused}.456.y.tmp`, `${used}.sqlite`, 'notes.txt'].sort());
    expect(Date.now() - statSync(path.join(cacheDir, `${used}.sqlite`)).mtimeMs).toBeLessThan(60_000);
    expect(lines.filter((l) => l.startsWith('removed'))).toEqual([
      `removed 2 unused files (2 bytes) from ${cacheDir}`,
      `removed 1 unused file (1 bytes) from ${cacheDir}`,
    ]);
  });
});
