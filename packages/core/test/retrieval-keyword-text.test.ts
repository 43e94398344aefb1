import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createModelService } from '../src/node/providers/model-service';
import { createOfflineProvider } from '../src/node/providers/offline';
import { openRetrievalStore, type RetrievalStore } from '../src/node/retrieval/store';

let dir: string;
let store: RetrievalStore;
const models = createModelService({ offline: createOfflineProvider() });
const open = () => openRetrievalStore({ dataDir: join(dir, 'data'), models });
const file = (name: string, text: string) => {
  writeFileSync(join(dir, 'files', name), text);
  return join(dir, 'files', name);
};
const ids = async (index: string, query: string) => (await store.search(index, query, { topK: 10, mode: 'keyword' })).map((d) => d.id);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-keyword-text-'));
  mkdirSync(join(dir, 'files'));
  store = open();
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('keyword search: invisible characters', () => {
  it('finds a word that pasted text split with a zero-width space, joiner, non-joiner, BOM or soft hyphen, and queries may hold them too', async () => {
    const pasted = file('pasted.md', 'Reset your pass\u00ADword from the sign\u200Bin page.\n\nThe dim\uFEFFmer has four levels; wire\u200Dless charging and blue\u200Ctooth pairing.');
    const plain = file('plain.md', 'Checkout uses the cart page.');
    await store.ingestFiles('pasted', [pasted, plain]);
    for (const word of ['password', 'signin', 'dimmer', 'wireless', 'bluetooth']) expect(await ids('pasted', word)).toEqual([pasted]);
    expect(await ids('pasted', 'pass\u200Bword')).toEqual([pasted]);
    expect(await ids('pasted', 'check\u00ADout')).toEqual([plain]);
    // Only the index's words change: the text comes back as it was written.
    expect((await store.search('pasted', 'password', { topK: 1, mode: 'keyword' }))[0].text).toContain('pass\u00ADword');
  });

  it('re-reads the keyword index of a file written before, so its words are found and replacing a document still works', async () => {
    const pasted = file('pasted.md', 'Reset your pass\u00ADword here.');
    await store.ingestFiles('old', [pasted, file('other.md', 'Gift cards never expire.')]);
    store.close();
    // As an earlier version left it: the keyword index holds the text as written.
    const db = new Database(join(dir, 'data', 'retrieval.sqlite'));
    const { id } = db.prepare('SELECT id FROM indexes WHERE name = ?').get('old') as { id: number };
    db.exec(`INSERT INTO fts_${id} (fts_${id}) VALUES ('rebuild'); PRAGMA user_version = 0`);
    db.close();
    store = open();
    expect(await ids('old', 'password')).toEqual([pasted]);
    writeFileSync(pasted, 'Reset your PIN here.');
    await store.ingestFiles('old', [pasted]);
    expect(await ids('old', 'password')).toEqual([]);
    expect(await ids('old', 'pin')).toEqual([pasted]);
    expect(await ids('old', 'gift')).toEqual([join(dir, 'files', 'other.md')]);
  });
});
