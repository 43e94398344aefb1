import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelService } from '../src/engine/services';
import { createModelService } from '../src/node/providers/model-service';
import { createOfflineProvider } from '../src/node/providers/offline';
import { createOpenAICompatibleProvider } from '../src/node/providers/openai-compatible';
import { startOpenAIStub } from '../../../test/support/openai-stub';
import { reciprocalRankFusion } from '../src/node/retrieval/fusion';
import { openRetrievalStore, type RetrievalStore } from '../src/node/retrieval/store';

const CORPUS = [
  { id: 'refunds', source: 'docs/refunds.md', text: 'Refunds are issued to the original payment method within five business days after the returned lamp arrives.' },
  { id: 'shipping', source: 'docs/shipping.md', text: 'Standard shipping takes three to seven days. Express shipping arrives within two days.' },
  { id: 'password', source: 'docs/account.md', text: 'To reset your password, open the sign-in page and choose "Forgot password"; a reset link is emailed to you.' },
  { id: 'warranty', source: 'docs/warranty.md', text: 'Every Brightloom lamp carries a two-year warranty covering defects in materials and workmanship.' },
  { id: 'bulbs', source: 'docs/bulbs.md', text: 'Replacement bulbs fit all lamps sold after 2019 and last about fifteen thousand hours.' },
  { id: 'dimmer', source: 'docs/dimmer.md', text: 'The dimmer switch has four brightness levels; hold it for two seconds to turn the lamp off.' },
];

let dataDir: string;
let models: ModelService;
let store: RetrievalStore;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'patchbay-retrieval-'));
  models = createModelService({ offline: createOfflineProvider() });
  store = openRetrievalStore({ dataDir, models });
  await store.ingest('docs', CORPUS, { embeddingModel: 'offline:hash' });
});

afterEach(() => {
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('retrieval store: ranking', () => {
  it('keyword search (bm25) ranks the document with the query words first', async () => {
    const docs = await store.search('docs', 'how do I reset my password', { topK: 3, mode: 'keyword' });
    expect(docs[0]).toMatchObject({ id: 'password', source: 'docs/account.md' });
    expect(docs[0].text).toContain('Forgot password');
    // higher is better, in order
    for (let i = 1; i < docs.length; i++) expect(docs[i - 1].score).toBeGreaterThanOrEqual(docs[i].score);
  });

  it('keyword search stems words (refunded → refund) and finds nothing for unknown words', async () => {
    expect((await store.search('docs', 'refunded payments', { topK: 1, mode: 'keyword' }))[0].id).toBe('refunds');
    expect(await store.search('docs', 'zeppelin', { topK: 3, mode: 'keyword' })).toEqual([]);
  });

  it('keyword search never fails on FTS5 syntax in user text', async () => {
    const docs = await store.search('docs', '"warranty" AND NEAR( -lamp* OR) column:x', { topK: 2, mode: 'keyword' });
    expect(docs[0].id).toBe('warranty');
    expect(await store.search('docs', '"""  ()', { topK: 2, mode: 'keyword' })).toEqual([]);
  });

  it('vector search (offline:hash, sqlite-vec) ranks the nearest document first with cosine scores', async () => {
    const docs = await store.search('docs', 'replacement bulb lifetime hours', { topK: 3, mode: 'vector' });
    expect(docs.map((d) => d.id)[0]).toBe('bulbs');
    expect(docs).toHaveLength(3);
    for (const d of docs) expect(d.score).toBeLessThanOrEqual(1.0001);
    expect(docs[0].score).toBeGreaterThan(docs[1].score);
  });

  it('hybrid search is the reciprocal rank fusion (k = 60) of keyword and vector results', async () => {
    const query = 'express shipping days';
    const docs = await store.search('docs', query, { topK: 3, mode: 'hybrid' });
    expect(docs[0].id).toBe('shipping');
    const keyword = await store.search('docs', query, { topK: 20, mode: 'keyword' });
    const vector = await store.search('docs', query, { topK: 20, mode: 'vector' });
    const expected = reciprocalRankFusion([keyword, vector], (d) => d.id).slice(0, 3);
    expect(docs.map((d) => [d.id, d.score])).toEqual(expected.map((e) => [e.item.id, e.score]));
  });

  it('ranks past a word found in most chunks, and still fills topK with chunks that only have that word', async () => {
    // "lamp" is in 8 of 9 chunks: bm25 gives it ~0 weight, so the one "warranty" chunk decides the ranking.
    const items = Array.from({ length: 8 }, (_, i) => ({ id: `lamp${i}`, text: `This lamp model ${i} is ${'very '.repeat(i)}bright.` }));
    items.push({ id: 'warranty', text: 'The lamp warranty lasts two years.' }, { id: 'other', text: 'Gift cards never expire.' });
    await store.ingest('lamps', items);
    const top = await store.search('lamps', 'lamp warranty', { topK: 5, mode: 'keyword' });
    expect(top[0].id).toBe('warranty');
    expect(top).toHaveLength(5);
    expect(top.slice(1).every((d) => d.id.startsWith('lamp'))).toBe(true);
    // a common word alone still finds its chunks
    expect(await store.search('lamps', 'lamp', { topK: 20, mode: 'keyword' })).toHaveLength(9);
  });

  it('sees chunks another connection added to the same file', async () => {
    const other = openRetrievalStore({ dataDir, models });
    try {
      expect(await store.search('docs', 'lamp warranty', { topK: 1, mode: 'keyword' })).toHaveLength(1);
      await other.ingest('docs', [{ id: 'lampshade', text: 'Lampshade fabric is washable; the lamp warranty excludes stains.' }]);
      const docs = await store.search('docs', 'lamp warranty washable stains', { topK: 2, mode: 'keyword' });
      expect(docs[0].id).toBe('lampshade');
    } finally {
      other.close();
    }
  });

  it('returns metadata and respects topK', async () => {
    await store.ingest('notes', [{ id: 'n1', text: 'Lamps ship in recycled boxes.', metadata: { lang: 'en' } }]);
    expect(await store.search('notes', 'boxes', { topK: 5, mode: 'keyword' })).toEqual([
      { id: 'n1', text: 'Lamps ship in recycled boxes.', score: expect.any(Number), metadata: { lang: 'en' } },
    ]);
    expect(await store.search('docs', 'lamp', { topK: 2, mode: 'hybrid' })).toHaveLength(2);
  });
});

describe('retrieval store: indexes', () => {
  it('lists indexes with chunk counts and embedding model, and reopens from the same file', async () => {
    await store.ingest('kw', [{ text: 'only words' }], { embeddingModel: null });
    expect(store.listIndexes()).toEqual([
      { name: 'docs', chunks: CORPUS.length, embeddingModel: 'offline:hash' },
      { name: 'kw', chunks: 1, embeddingModel: null },
    ]);
    store.close();
    store = openRetrievalStore({ dataDir, models });
    expect((await store.search('docs', 'warranty', { topK: 1, mode: 'hybrid' }))[0].id).toBe('warranty');
  });

  it('an index deleted while a vector search waits for its query embedding: that search says the index is gone, and never reads another index in its place', async () => {
    // The next embedding (the search's query) waits until released; the ingests' do not.
    let held: Promise<void> | undefined;
    let release!: () => void;
    const slow: ModelService = {
      chat: models.chat,
      embed: async (...args) => {
        const wait = held;
        held = undefined;
        await wait;
        return models.embed(...args);
      },
    };
    store.close();
    store = openRetrievalStore({ dataDir, models: slow });
    for (const mode of ['vector', 'hybrid'] as const) {
      held = new Promise<void>((resolve) => (release = resolve));
      const searching = store.search('docs', 'warranty', { topK: 2, mode });
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(store.deleteIndex('docs')).toBe(true);
      // A new index takes the freed table names: the waiting search must not read it as "docs".
      await store.ingest('other', [{ id: 'lamp', text: 'A lamp warranty of five years.' }], { embeddingModel: 'offline:hash' });
      release();
      await expect(searching).rejects.toThrow(/^unknown index "docs"; indexes: /);
      await store.ingest('docs', CORPUS, { embeddingModel: 'offline:hash' });
      store.deleteIndex('other');
    }
  });

  it('a retrieval.sqlite removed or replaced while the store has it open: searches and ingests say so, and no ingest is acknowledged into a file no one will read', async () => {
    const file = join(dataDir, 'retrieval.sqlite');
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    const gone = /retrieval\.sqlite was removed or replaced while this process had it open; .*restart/;
    await expect(store.search('docs', 'warranty', { topK: 1, mode: 'keyword' })).rejects.toThrow(gone);
    await expect(store.ingest('docs', [{ id: 'gift', text: 'Gift cards never expire.' }])).rejects.toThrow(gone);
    // Another process made a new file there meanwhile (`patchbay index`): still not this store's.
    const other = openRetrievalStore({ dataDir, models });
    await other.ingest('docs', [{ id: 'gift', text: 'Gift cards never expire.' }]);
    other.close();
    await expect(store.search('docs', 'gift', { topK: 1, mode: 'keyword' })).rejects.toThrow(gone);
    const caught = await store.search('docs', 'gift', { topK: 1, mode: 'keyword' }).catch((err: unknown) => err);
    // SQLite's code for a file changed under it: the runner answers 503 and reports its storage degraded.
    expect((caught as { code?: string }).code).toBe('SQLITE_IOERR_VNODE');
  });

  it('names the known indexes when asked for an unknown one', async () => {
    await store.ingest('faq', [{ text: 'x' }]);
    await expect(store.search('nope', 'x', { topK: 1, mode: 'keyword' })).rejects.toThrow('unknown index "nope"; indexes: docs, faq');
  });

  it('re-ingesting a document id replaces it instead of adding a copy', async () => {
    await store.ingest('docs', [{ id: 'shipping', text: 'Shipping is free on orders over fifty euros.', source: 'docs/shipping.md' }]);
    expect(store.listIndexes()[0].chunks).toBe(CORPUS.length);
    expect(await store.search('docs', 'express', { topK: 5, mode: 'keyword' })).toEqual([]);
    const vector = await store.search('docs', 'free shipping orders over fifty euros', { topK: 1, mode: 'vector' });
    expect(vector[0]).toMatchObject({ id: 'shipping', text: 'Shipping is free on orders over fifty euros.' });
  });

  it('refuses one ingest that gives an id two different texts (the second would silently replace the first), and counts a repeated one once', async () => {
    const clash = [
      { id: '1', text: 'Apples are red.', source: 'faq.jsonl' },
      { id: '2', text: 'Bananas are yellow.', source: 'faq.jsonl' },
      { id: '1', text: 'Cars are fast.', source: 'products.jsonl' },
    ];
    const refused = store.ingest('docs', clash);
    await expect(refused).rejects.toThrow('document id "1" is in faq.jsonl and in products.jsonl with different texts; give each document its own id');
    await expect(refused).rejects.toMatchObject({ item: 2, field: 'id' });
    expect(store.listIndexes()[0].chunks).toBe(CORPUS.length);
    await expect(store.ingest('docs', [{ id: 'a', text: 'one' }, { id: 'a', text: 'two' }])).rejects.toThrow('document id "a" is given twice (documents 1 and 2) with different texts');
    // The same document twice (overlapping globs, a pasted list) is one document.
    expect(await store.ingest('docs', [{ id: 'x', text: 'Same text.' }, { id: 'x', text: 'Same text.' }, { text: 'No id.' }, { text: 'No id.' }])).toEqual({ chunks: 2 });
    expect(store.listIndexes()[0].chunks).toBe(CORPUS.length + 2);
  });

  it('splits long documents into overlapping chunks with numbered ids', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} talks about topic${i} in some detail here.`).join('\n\n');
    const { chunks } = await store.ingest('long', [{ id: 'guide', text: long, source: 'guide.md' }], { chunkSize: 200, overlap: 40 });
    expect(chunks).toBeGreaterThan(5);
    const hit = await store.search('long', 'topic23', { topK: 3, mode: 'keyword' });
    expect(hit[0].id).toMatch(/^guide#\d+$/);
    expect(hit[0].text).toContain('topic23');
    expect(hit[0].source).toBe('guide.md');
  });

  it('keeps chunk ids apart when a document id itself ends in #N (a doc "guide#2" beside the second chunk of "guide")', async () => {
    const long = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} of the lamp guide covers step${i}.`).join('\n\n');
    const docs = [
      { id: 'guide', text: long },
      { id: 'guide#2', text: 'A lamp note filed under guide#2.' },
      { id: 'faq#intro', text: 'An intro to the lamp.' },
    ];
    await store.ingest('ids', docs, { chunkSize: 200, overlap: 40 });
    const ids = (await store.search('ids', 'lamp', { topK: 1000, mode: 'keyword' })).map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Ordinary ids are as they were: a document's own id when whole, id#N when split.
    expect(ids).toEqual(expect.arrayContaining(['guide#1', 'guide#2', 'faq#intro']));
    expect(ids).toContain('guide#2#1');
    // Fusion keys on the id: the note and guide's second chunk stay two results.
    const fused = await store.search('ids', 'note filed step2', { topK: 20, mode: 'hybrid' });
    expect(fused.filter((d) => d.id.startsWith('guide#2'))).toHaveLength(2);
  });

  it('keeps each index on its own embedding model and refuses mixing', async () => {
    await store.ingest('kw', [{ text: 'keyword only' }], { embeddingModel: null });
    await expect(store.search('kw', 'keyword', { topK: 1, mode: 'vector' })).rejects.toThrow('index "kw" has no embeddings');
    await expect(store.ingest('docs', [{ text: 'x' }], { embeddingModel: null })).rejects.toThrow('index "docs" was built with offline:hash; it keeps that, so it cannot take documents embedded with none');
    await expect(store.search('docs', 'x', { topK: 1, mode: 'vector', embeddingModel: 'openai:text-embedding-3-small' })).rejects.toThrow(
      'index "docs" was embedded with offline:hash, not openai:text-embedding-3-small',
    );
  });

  it('leaves the index unchanged when the embedding provider fails', async () => {
    await expect(store.ingest('other', [{ text: 'hello' }], { embeddingModel: 'nowhere:model' })).rejects.toThrow(/unknown model provider "nowhere"/);
    expect(store.listIndexes().map((i) => i.name)).toEqual(['docs']);
  });

  it('refuses an ingest whose provider changes dimension between batches, naming both, and adds nothing', async () => {
    // 300 chunks are embedded in two calls (256 + 44; the first is two requests of 128); a provider behind a balancer may answer them with two models.
    const stub = await startOpenAIStub({ handler: (req) => ({ embeddings: req.body.input.map(() => (req.count <= 2 ? [0.1, 0.2, 0.3] : [0.1, 0.2])) }) });
    const remote = openRetrievalStore({ dataDir, models: createModelService({ stub: createOpenAICompatibleProvider({ name: 'stub', baseURL: stub.url }) }) });
    try {
      const items = Array.from({ length: 300 }, (_, i) => ({ id: `d${i}`, text: `document ${i}` }));
      await expect(remote.ingest('mixed', items, { embeddingModel: 'stub:emb' })).rejects.toThrow('embedding model stub:emb returned vectors of 3 and 2 dimensions');
      expect(remote.listIndexes().map((i) => i.name)).toEqual(['docs']);
    } finally {
      remote.close();
      await stub.close();
    }
  });

  it('keeps an index on one model when two first ingests with different models race', async () => {
    // The slow one embeds while the other creates the index keyword-only; it must not then add its vectors to it.
    const stub = await startOpenAIStub({ latencyMs: 300 });
    const models = createModelService({ stub: createOpenAICompatibleProvider({ name: 'stub', baseURL: stub.url }), offline: createOfflineProvider() });
    const racing = openRetrievalStore({ dataDir, models });
    try {
      const slow = racing.ingest('race', [{ id: 'a', text: 'alpha' }], { embeddingModel: 'stub:emb' });
      await racing.ingest('race', [{ id: 'b', text: 'beta' }], { embeddingModel: null });
      await expect(slow).rejects.toThrow('index "race" was built with no embeddings (keyword-only); it keeps that, so it cannot take documents embedded with stub:emb');
      expect(racing.listIndexes().find((i) => i.name === 'race')).toEqual({ name: 'race', chunks: 1, embeddingModel: null });
    } finally {
      racing.close();
      await stub.close();
    }
  });

  it('tells how far an ingest is: embedding batch by batch, then writing chunk by chunk (none embedded keyword-only)', async () => {
    const many = Array.from({ length: 600 }, (_, i) => ({ id: `d${i}`, text: `document number ${i} about lamps` }));
    const seen: Array<{ stage: string; done: number; total: number }> = [];
    await store.ingest('many', many, { embeddingModel: 'offline:hash', onProgress: (p) => seen.push({ ...p }) });
    expect(seen.filter((p) => p.stage === 'embedding').map((p) => p.done)).toEqual([0, 256, 512, 600]);
    const writing = seen.filter((p) => p.stage === 'writing');
    expect(writing).toHaveLength(601);
    expect(writing.at(-1)).toEqual({ stage: 'writing', done: 600, total: 600 });
    expect(seen.findIndex((p) => p.stage === 'writing')).toBe(4);

    const keyword: string[] = [];
    await store.ingest('words', many.slice(0, 3), { embeddingModel: null, onProgress: (p) => keyword.push(`${p.stage} ${p.done}/${p.total}`) });
    expect(keyword).toEqual(['writing 0/3', 'writing 1/3', 'writing 2/3', 'writing 3/3']);
  });

  it('names the file when retrieval.sqlite is not a database (a data dir has three SQLite files)', () => {
    const broken = mkdtempSync(join(tmpdir(), 'patchbay-broken-'));
    try {
      writeFileSync(join(broken, 'retrieval.sqlite'), 'this is not SQLite '.repeat(500));
      expect(() => openRetrievalStore({ dataDir: broken, models })).toThrow(`${join(broken, 'retrieval.sqlite')} is damaged or is not a SQLite database (file is not a database); restore it from a backup, or move it aside to start with a new one`);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it('refuses an empty embedding model name instead of building an index whose model is ""', async () => {
    await expect(store.ingest('blank', [{ text: 'x' }], { embeddingModel: '' })).rejects.toMatchObject({
      message: 'embeddingModel must be "<provider>:<model>", or null for a keyword-only index; got ""',
      field: 'embeddingModel',
    });
    expect(store.listIndexes().map((i) => i.name)).toEqual(['docs']);
  });

  it('while another process holds the write lock, an ingest waits without stalling the event loop, then says so; the store still works after', async () => {
    // It used to wait 5 s inside SQLite (the process froze), then leave its in-process lock held,
    // so every later search and ingest of the process waited forever.
    const waiting = openRetrievalStore({ dataDir, models, writeWaitMs: 1_000 });
    const other = new Database(join(dataDir, 'retrieval.sqlite'));
    try {
      other.exec('BEGIN IMMEDIATE');
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 20);
      const started = Date.now();
      const late = waiting.ingest('docs', [{ id: 'late', text: 'Late arrival.' }]);
      let lateSettled = false;
      void late.then(
        () => (lateSettled = true),
        () => (lateSettled = true),
      );
      // Searches of this process are not held up by an ingest waiting for another's lock: one answers while it still waits.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await waiting.search('docs', 'refunds', { topK: 1, mode: 'keyword' })).toHaveLength(1);
      expect(lateSettled).toBe(false);
      await expect(late).rejects.toThrow(
        'another process is writing to the indexes (a "patchbay index", or another runner on this data dir); try again when it is done',
      );
      clearInterval(ticker);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(ticks).toBeGreaterThan(10);
      other.exec('ROLLBACK');
      expect(await waiting.search('docs', 'refunds', { topK: 1, mode: 'keyword' })).toHaveLength(1);
      expect(await waiting.ingest('docs', [{ id: 'late', text: 'Late arrival.' }])).toEqual({ chunks: 1 });
      // Released within the wait, the ingest goes through.
      other.exec('BEGIN IMMEDIATE');
      setTimeout(() => other.exec('ROLLBACK'), 100);
      expect(await waiting.ingest('docs', [{ id: 'later', text: 'Later still.' }])).toEqual({ chunks: 1 });
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      waiting.close();
    }
  });

  it('searches an embedded index that has no chunks yet (an empty file was indexed) as empty, not as keyword-only', async () => {
    expect(await store.ingest('empty', [{ text: '   ' }])).toEqual({ chunks: 0 });
    expect(store.listIndexes().find((i) => i.name === 'empty')).toEqual({ name: 'empty', chunks: 0, embeddingModel: 'offline:hash' });
    expect(await store.search('empty', 'anything', { topK: 3, mode: 'vector' })).toEqual([]);
    expect(await store.search('empty', 'anything', { topK: 3, mode: 'hybrid' })).toEqual([]);
    await store.ingest('empty', [{ text: 'Now there is something.' }]);
    expect(await store.search('empty', 'something', { topK: 3, mode: 'vector' })).toHaveLength(1);
  });

  it('refuses bad index names, bad topK and bad modes with a clear reason', async () => {
    await expect(store.ingest('../x', [{ text: 'x' }])).rejects.toThrow(/invalid index name/);
    await expect(store.search('docs', 'x', { topK: 0, mode: 'keyword' })).rejects.toThrow(/topK must be an integer/);
    await expect(store.search('docs', 'x', { topK: 1, mode: 'fuzzy' as never })).rejects.toThrow('unknown search mode "fuzzy"');
  });
});
