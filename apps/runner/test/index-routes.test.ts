import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { startTestRunner, type TestRunner } from './support/test-runner';

let runner: TestRunner;
let stub: OpenAIStub;
let shifting: OpenAIStub;
beforeAll(async () => {
  // An embedding provider that refuses every call, as one with a revoked key does.
  stub = await startOpenAIStub({ handler: () => ({ status: 400, body: { error: { message: 'this key was revoked' } } }) });
  // One whose vectors change length after its first answer, as a model swapped behind the same name does.
  shifting = await startOpenAIStub({ handler: (req) => ({ embeddings: [req.count <= 1 ? [1, 0, 0] : [1, 0, 0, 0]] }) });
  runner = await startTestRunner({ env: { STUB_BASE_URL: stub.url, SHIFTING_BASE_URL: shifting.url } });
});
afterAll(async () => {
  await runner.close();
  await stub.close();
  await shifting.close();
});

/** A 4xx problem+json with one line of detail and the JSON path of what was refused. */
async function refusal(res: Response, status: number, path: string, type = { 400: 'invalid-request', 404: 'index-not-found', 422: 'index-refused' }[status]) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = await res.json();
  // Each has a documented type (docs/api.md), never about:blank.
  expect(body.type, body.detail).toBe(`urn:patchbay:problem:${type}`);
  expect(body.detail).not.toContain('\n');
  expect(body.errors).toEqual([{ path, message: expect.any(String) }]);
  return body;
}

describe('index routes refuse what they cannot do with the path of the cause', () => {
  it('refuses a batch that gives one id two texts at the second one, and indexes nothing of it', async () => {
    const res = await runner.post('/api/indexes/faq/documents', {
      documents: [
        { id: '1', text: 'Apples are red.' },
        { id: '2', text: 'Bananas are yellow.' },
        { id: '1', text: 'Cars are fast.' },
      ],
    });
    const body = await refusal(res, 400, '$.documents[2].id');
    expect(body.detail).toBe('document id "1" is given twice (documents 1 and 3) with different texts; give each document its own id ($.documents[2].id)');
    expect(await (await runner.api('/api/indexes')).json()).toEqual([]);
    const same = await runner.post('/api/indexes/faq/documents', { documents: [{ id: '1', text: 'Apples are red.' }, { id: '1', text: 'Apples are red.' }] });
    expect(await same.json()).toEqual({ index: 'faq', chunks: 1 });
  });

  it('names the field a refusal is about: the embedding model, the overlap, the mode, the index', async () => {
    expect((await runner.post('/api/indexes/docs/documents', { documents: [{ text: 'Apples are red.' }] })).status).toBe(201);
    await refusal(await runner.post('/api/indexes/docs/documents', { documents: [{ text: 'x' }], embeddingModel: null }), 422, '$.embeddingModel');
    await refusal(await runner.post('/api/indexes/docs/documents', { documents: [{ text: 'x' }], embeddingModel: 'nowhere:model' }), 422, '$.embeddingModel', 'model-unavailable');
    await refusal(await runner.post('/api/indexes/blank/documents', { documents: [{ text: 'x' }], embeddingModel: '' }), 422, '$.embeddingModel');
    await refusal(await runner.post('/api/indexes/docs/documents', { documents: [{ text: 'x' }], chunkSize: 100, overlap: 60 }), 422, '$.overlap');
    // No overlap given: the chunk size is what the request set, and the detail says which default it leaves no room for.
    const byDefault = await refusal(await runner.post('/api/indexes/docs/documents', { documents: [{ text: 'x' }], chunkSize: 150 }), 422, '$.chunkSize');
    expect(byDefault.detail).toBe('a chunkSize of 150 leaves no room for the default overlap (100), which must be less than half of it: give an overlap of 74 or less ($.chunkSize)');
    await refusal(await runner.post('/api/indexes/docs/search', { query: 'apples', mode: 'vector', embeddingModel: 'offline:other' }), 422, '$.embeddingModel', 'model-unavailable');
    expect((await runner.post('/api/indexes/plain/documents', { documents: [{ text: 'Keyword only.' }], embeddingModel: null })).status).toBe(201);
    await refusal(await runner.post('/api/indexes/plain/search', { query: 'keyword', mode: 'hybrid' }), 422, '$.mode');
    const unknown = await refusal(await runner.post('/api/indexes/nope/search', { query: 'apples' }), 404, 'path.name');
    expect(unknown.detail).toBe('unknown index "nope"; indexes: docs, faq, plain (path.name)');
  });

  it('refuses a field it does not know (top_k, chunk_size, a document\'s meta) at its path rather than use the default without a word', async () => {
    const search = await refusal(await runner.post('/api/indexes/docs/search', { query: 'apples', top_k: 1 }), 400, '$');
    expect(search.detail).toBe('invalid request body: $ has an unknown field "top_k"');
    const chunk = await refusal(await runner.post('/api/indexes/strict/documents', { documents: [{ text: 'Apples are red.' }], chunk_size: 60 }), 400, '$');
    expect(chunk.detail).toBe('invalid request body: $ has an unknown field "chunk_size"');
    const meta = await refusal(await runner.post('/api/indexes/strict/documents', { documents: [{ text: 'Apples are red.', meta: { page: 1 } }] }), 400, '$.documents[0]');
    expect(meta.detail).toBe('invalid request body: $.documents[0] has an unknown field "meta"');
    expect((await (await runner.api('/api/indexes')).json()).map((i: { name: string }) => i.name)).not.toContain('strict');
  });

  it('refuses documents whose vectors no longer fit the index (its model now answers another length) as index-refused, not about:blank', async () => {
    expect((await runner.post('/api/indexes/shifted/documents', { documents: [{ text: 'Apples are red.' }], embeddingModel: 'shifting:emb' })).status).toBe(201);
    const res = await runner.post('/api/indexes/shifted/documents', { documents: [{ text: 'Pears are green.' }], embeddingModel: 'shifting:emb' });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ type: 'urn:patchbay:problem:index-refused', detail: 'embedding model shifting:emb returned 4 dimensions; index "shifted" has 3' });
  });

  it('answers a failing embedding provider with 502 and its one-line reason, and adds nothing', async () => {
    const res = await runner.post('/api/indexes/remote/documents', { documents: [{ text: 'Apples are red.' }], embeddingModel: 'stub:emb' });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ title: 'Bad Gateway', type: 'urn:patchbay:problem:embedding-failed', detail: 'stub: HTTP 400: this key was revoked' });
    expect((await (await runner.api('/api/indexes')).json()).map((i: { name: string }) => i.name)).not.toContain('remote');
  });
});
