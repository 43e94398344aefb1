import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createModelService } from '../src/node/providers/model-service';
import { createOfflineProvider } from '../src/node/providers/offline';
import { openRetrievalStore, type RetrievalStore } from '../src/node/retrieval/store';

const CORPUS = [
  { id: 'refunds', source: 'docs/refunds.md', text: 'Refunds are issued to the original payment method within five business days after the returned lamp arrives.', metadata: { topic: 'billing' } },
  { id: 'shipping', source: 'docs/shipping.md', text: 'Standard shipping takes three to seven days. Express shipping arrives within two days.' },
  { id: 'password', text: 'To reset your password, open the sign-in page and choose "Forgot password"; a reset link is emailed to you.' },
  { id: 'bulbs', source: 'docs/bulbs.md', text: 'Replacement bulbs fit all lamps sold after 2019 and last about fifteen thousand hours. '.repeat(30) },
];
const QUERIES = ['how do I reset my password', 'refund payment lamp', 'bulb hours', 'zeppelin'];
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

let dir: string;
let store: RetrievalStore;
const models = createModelService({ offline: createOfflineProvider() });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-snapshot-'));
  store = openRetrievalStore({ dataDir: join(dir, 'data'), models });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('retrieval index snapshots (the bytes of an index artifact)', () => {
  it('answers every query of every mode as the index it was taken from, opened read-only', async () => {
    await store.ingest('other', [{ text: 'an unrelated index, written first, so rowids differ' }]);
    await store.ingest('docs', CORPUS, { embeddingModel: 'offline:hash', chunkSize: 300 });
    expect(await store.snapshot('docs', join(dir, 'docs.sqlite'))).toBe(true);
    const artifact = openRetrievalStore({ dataDir: dir, models, artifact: join(dir, 'docs.sqlite') });
    try {
      for (const mode of ['keyword', 'vector', 'hybrid'] as const) {
        for (const query of QUERIES) {
          expect(await artifact.search('docs', query, { topK: 5, mode })).toEqual(await store.search('docs', query, { topK: 5, mode }));
        }
      }
      // Read-only: nothing is written, and no WAL files appear beside it.
      await expect(artifact.ingest('docs', [{ text: 'more' }])).rejects.toThrow(/readonly/i);
      expect(readdirSync(dir).filter((f) => f.startsWith('docs.sqlite'))).toEqual(['docs.sqlite']);
    } finally {
      artifact.close();
    }
  });

  it('gives equal bytes for equal contents under other names, and other bytes for other contents', async () => {
    await store.ingest('filler', [{ text: 'rowids of the next index start later' }]);
    await store.ingest('a', CORPUS);
    await store.ingest('b', CORPUS);
    await store.ingest('c', CORPUS.slice(1));
    await store.ingest('d', CORPUS, { embeddingModel: null });
    for (const name of ['a', 'b', 'c', 'd']) expect(await store.snapshot(name, join(dir, `${name}.sqlite`))).toBe(true);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => sha256(join(dir, `${name}.sqlite`)));
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(d).not.toBe(a);
    expect(await store.snapshot('none', join(dir, 'none.sqlite'))).toBe(false);
  });

  it('keeps the errors of a keyword-only index, naming the index it was asked by', async () => {
    await store.ingest('plain', CORPUS, { embeddingModel: null });
    await store.snapshot('plain', join(dir, 'plain.sqlite'));
    const artifact = openRetrievalStore({ dataDir: dir, models, artifact: join(dir, 'plain.sqlite') });
    try {
      await expect(artifact.search('faq', 'refund', { topK: 2, mode: 'vector' })).rejects.toThrow('index "faq" has no embeddings');
      expect((await artifact.search('faq', 'refund', { topK: 1, mode: 'keyword' }))[0].id).toBe('refunds');
    } finally {
      artifact.close();
    }
  });
});
