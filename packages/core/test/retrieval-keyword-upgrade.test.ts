import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelService } from '../src/node/providers/model-service';
import { createOfflineProvider } from '../src/node/providers/offline';
import { KEYWORD_TEXT_VERSION } from '../src/node/retrieval/keyword-text';
import { openRetrievalStore, type RetrievalStore } from '../src/node/retrieval/store';
import { eventLoopTurnsDuring } from './event-loop-turns';

// An index file written by an earlier version has its keyword index re-read from its chunks
// once. On a large index that takes seconds, and nothing may hold the event loop that long:
// the re-read goes in slices while searches answer from the keyword index as it was.

const CHUNKS = 40_000;
const models = createModelService({ offline: createOfflineProvider() });
let dir: string;
let template: Buffer;

/** A data dir holding `template`: the large index as an earlier version left it. */
function oldDataDir(name: string): string {
  const data = join(dir, name);
  mkdirSync(data);
  writeFileSync(join(data, 'retrieval.sqlite'), template);
  return data;
}

const userVersion = (data: string) => {
  const db = new Database(join(data, 'retrieval.sqlite'), { readonly: true });
  try {
    return db.pragma('user_version', { simple: true });
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-keyword-upgrade-'));
  const data = join(dir, 'build');
  const store = openRetrievalStore({ dataDir: data, models });
  const items = Array.from({ length: CHUNKS }, (_, i) => ({ id: `d${i}`, text: `Lamp note ${i}: the dimmer has ${i % 7} levels; shipping takes ${i % 5} days.` }));
  items[123] = { id: 'zh', text: '如何重置密码：打开登录页面。' };
  await store.ingest('big', items, { embeddingModel: null });
  await store.ingest('small', [{ id: 'a', text: 'Gift cards never expire.' }], { embeddingModel: null });
  store.close();
  // As an earlier version left it: the keyword index holds the text as written.
  const db = new Database(join(data, 'retrieval.sqlite'));
  for (const id of db.prepare('SELECT id FROM indexes').pluck().all() as number[]) db.exec(`INSERT INTO fts_${id} (fts_${id}) VALUES ('rebuild')`);
  db.pragma('user_version = 0');
  template = db.serialize();
  db.close();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = async (store: RetrievalStore, index: string, query: string) => (await store.search(index, query, { topK: 3, mode: 'keyword' })).map((d) => d.id);

describe('upgrading the keyword index of a file written by an earlier version', () => {
  it('opens at once and re-reads the words in slices: the event loop keeps running, searches answer meanwhile', async () => {
    const data = oldDataDir('slices');
    const store = openRetrievalStore({ dataDir: data, models });
    try {
      const started = store.upgrading();
      expect(started).toEqual({ done: expect.any(Number), total: CHUNKS + 1 });
      expect(started!.done).toBeLessThan(CHUNKS + 1);
      // Meanwhile a search answers, from the keyword index as it was (a word of plain text is found as before).
      expect(await ids(store, 'small', 'gift')).toEqual(['a']);
      const { turns } = await eventLoopTurnsDuring(() => store.upgraded());
      expect(store.upgrading()).toBeNull();
      // What this open started stays known once it is over: a command that looks only then still says it happened.
      expect(store.keywordUpgrade).toEqual({ total: CHUNKS + 1 });
      // The timer ran all along (re-read at once, as before, this index held the event loop for over a second).
      expect(turns).toBeGreaterThan(5);
      expect(await ids(store, 'big', '密码')).toEqual(['zh']);
      expect(userVersion(data)).toBe(KEYWORD_TEXT_VERSION);
    } finally {
      store.close();
    }
  }, 120_000);

  it('an ingest meanwhile waits for it, then replaces a document by its current words', async () => {
    const store = openRetrievalStore({ dataDir: oldDataDir('ingest'), models });
    try {
      expect(store.upgrading()).not.toBeNull();
      await store.ingest('big', [{ id: 'zh', text: 'Reset your PIN here.' }]);
      expect(store.upgrading()).toBeNull();
      expect(await ids(store, 'big', '密码')).toEqual([]);
      expect(await ids(store, 'big', 'pin')).toEqual(['zh']);
    } finally {
      store.close();
    }
  }, 120_000);

  it('closed halfway, the file is left as it was, and the next open starts over', async () => {
    const data = oldDataDir('closed');
    const first = openRetrievalStore({ dataDir: data, models });
    expect(first.upgrading()).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 50));
    first.close();
    expect(userVersion(data)).toBe(0);
    const again = openRetrievalStore({ dataDir: data, models });
    try {
      await again.upgraded();
      expect(await ids(again, 'big', '密码')).toEqual(['zh']);
      expect(userVersion(data)).toBe(KEYWORD_TEXT_VERSION);
    } finally {
      again.close();
    }
  }, 120_000);
});
