import { describe, expect, it } from 'vitest';
import { runPipeline, type Document, type RetrievalService } from '../src/index';
import { createModelService, createOfflineProvider } from '../src/node/index';
import { pipeline, recorder } from './engine-fixtures';

// The DESIGN.md example pipeline, on the real offline provider and an in-memory index.
const assistant = pipeline(
  [
    { id: 'question', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'search', type: 'retrieve', config: { index: 'docs', topK: 2, mode: 'keyword' } },
    {
      id: 'answer',
      type: 'llm',
      config: {
        model: 'offline:extractive',
        prompt: '{% for d in docs %}{{ d.text }}\n{% endfor %}Question: {{ question }}',
      },
    },
    { id: 'result', type: 'output', config: { name: 'answer' } },
  ],
  ['question.value -> search.query', 'question.value -> answer.question', 'search.documents -> answer.docs', 'answer.text -> result.value'],
);

const docs: Document[] = [
  { id: 'refunds', text: 'Refunds are issued within 14 days of a return.', score: 0 },
  { id: 'shipping', text: 'Orders ship from Rotterdam every weekday.', score: 0 },
  { id: 'support', text: 'Support answers email within one business day.', score: 0 },
];

/** An in-memory keyword index: documents sharing a word with the query, most shared first. */
const retrieval: RetrievalService = {
  async search(index, query, { topK }) {
    if (index !== 'docs') throw new Error(`no index "${index}"`);
    const words = new Set(query.toLowerCase().match(/\w+/g));
    return docs
      .map((d) => ({ ...d, score: (d.text.toLowerCase().match(/\w+/g) ?? []).filter((w) => words.has(w)).length }))
      .filter((d) => d.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, topK);
  },
};

describe('runPipeline with services', () => {
  it('runs retrieval into the offline extractive model and streams its tokens', async () => {
    const rec = recorder();
    const models = createModelService({ offline: createOfflineProvider() });
    const result = await runPipeline(assistant, { question: 'When are refunds issued for orders?' }, { services: { models, retrieval }, onEvent: rec.onEvent });
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({ answer: 'Refunds are issued within 14 days of a return.' });
    expect((result.nodes.search.outputs?.documents as Document[]).map((d) => d.id)).toEqual(['refunds', 'shipping']);
    expect(result.nodes.answer.model).toBe('offline:extractive');
    expect(result.nodes.answer.usage?.totalTokens).toBeGreaterThan(0);
    const tokens = rec.events.filter((e) => e.type === 'node.token' && e.nodeId === 'answer').map((e) => (e as { text: string }).text);
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.join('')).toBe(result.outputs.answer);
    // Tokens come after the node started and before it completed.
    const kinds = rec.kinds();
    const first = kinds.indexOf('node.token:answer');
    expect(first).toBeGreaterThan(kinds.indexOf('node.started:answer'));
    expect(kinds.lastIndexOf('node.token:answer')).toBeLessThan(kinds.indexOf('node.completed:answer'));
  });

  it('fails the run naming the node when a service the node needs was not given', async () => {
    const result = await runPipeline(assistant, { question: 'refunds?' }, { services: { retrieval } });
    expect(result.status).toBe('failed');
    expect(result.failedNode).toBe('answer');
    expect(result.error).toBe('node "answer" failed: no model provider is configured for this run');
    expect(result.nodes.result.status).toBe('pending');
  });
});
