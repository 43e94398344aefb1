import { describe, expect, it } from 'vitest';
import { retrieveNode } from '../../src/nodes/retrieve';
import { parsed, runNode, testContext } from './in-memory-services';

const indexes = {
  docs: [
    { id: 'refunds', text: 'Refund requests are accepted within 30 days' },
    { id: 'shipping', text: 'Shipping takes five days' },
    { id: 'returns', text: 'Returns need the refund form and the receipt' },
  ],
};

describe('retrieve node', () => {
  it('takes a string query and gives documents', () => {
    const config = parsed(retrieveNode, { index: 'docs' });
    expect(retrieveNode.inputs(config)).toEqual([{ name: 'query', type: 'string' }]);
    expect(retrieveNode.outputs(config)).toEqual([{ name: 'documents', type: 'documents' }]);
  });

  it('searches the index with topK 4 and keyword mode by default', async () => {
    const ctx = testContext({ indexes });
    const out = await runNode(retrieveNode, { index: 'docs' }, { query: 'refund form' }, ctx);
    expect((out.documents as { id: string }[]).map((d) => d.id)).toEqual(['returns', 'refunds']);
    expect(ctx.retrieval.searches).toEqual([{ index: 'docs', query: 'refund form', topK: 4, mode: 'keyword', embeddingModel: undefined }]);
  });

  it('passes topK, mode and the embedding model through', async () => {
    const ctx = testContext({ indexes });
    const out = await runNode(
      retrieveNode,
      { index: 'docs', topK: 1, mode: 'hybrid', embeddingModel: 'offline:hash' },
      { query: 'refund form' },
      ctx,
    );
    expect(out.documents).toHaveLength(1);
    expect(ctx.retrieval.searches[0]).toMatchObject({ topK: 1, mode: 'hybrid', embeddingModel: 'offline:hash' });
  });

  it('refuses a config with an unknown mode or a topK below 1', () => {
    expect(retrieveNode.configSchema.safeParse({ index: 'docs', mode: 'semantic' }).success).toBe(false);
    expect(retrieveNode.configSchema.safeParse({ index: 'docs', topK: 0 }).success).toBe(false);
  });

  it('fails with the store\'s reason, and on a query that is not a string', async () => {
    await expect(runNode(retrieveNode, { index: 'missing' }, { query: 'x' }, testContext({ indexes }))).rejects.toThrow(
      'no index named "missing"',
    );
    await expect(runNode(retrieveNode, { index: 'docs' }, { query: { text: 'x' } }, testContext({ indexes }))).rejects.toThrow(
      'query must be a string, got object',
    );
  });
});
