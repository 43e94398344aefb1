import type { PipelineDocument } from '@patchbay/core';

/** question → code (upper-cases; throws on "boom") → answer. No model: fast and exact. */
export const shoutPipeline: PipelineDocument = {
  format: 'patchbay.pipeline/v1',
  name: 'shout',
  nodes: [
    { id: 'question', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'upper', type: 'code', config: { code: "if (value === 'boom') throw new Error('boom'); return value.toUpperCase()" } },
    { id: 'answer', type: 'output', config: { name: 'answer' } },
  ],
  edges: [
    { from: 'question.value', to: 'upper.value' },
    { from: 'upper.value', to: 'answer.value' },
  ],
};

/** question → retrieve (keyword) → llm (offline:extractive) → answer: retrieval can be scored apart from the answer. */
export const ragPipeline: PipelineDocument = {
  format: 'patchbay.pipeline/v1',
  name: 'rag',
  nodes: [
    { id: 'question', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'search', type: 'retrieve', config: { index: 'docs', topK: 1, mode: 'keyword' } },
    {
      id: 'reply',
      type: 'llm',
      config: { model: 'offline:extractive', prompt: '{% for d in docs %}{{ d.text }}\n{% endfor %}Question: {{ question }}', temperature: 0 },
    },
    { id: 'answer', type: 'output', config: { name: 'answer' } },
  ],
  edges: [
    { from: 'question.value', to: 'search.query' },
    { from: 'question.value', to: 'reply.question' },
    { from: 'search.documents', to: 'reply.docs' },
    { from: 'reply.text', to: 'answer.value' },
  ],
};

/** A one-node `llm` pipeline on a given model (the stub in 429 tests and the bench). */
export function llmPipeline(model: string): PipelineDocument {
  return {
    format: 'patchbay.pipeline/v1',
    name: 'one-llm',
    nodes: [
      { id: 'question', type: 'input', config: { name: 'question', valueType: 'string' } },
      { id: 'reply', type: 'llm', config: { model, prompt: '{{ question }}', temperature: 0 } },
      { id: 'answer', type: 'output', config: { name: 'answer' } },
    ],
    edges: [
      { from: 'question.value', to: 'reply.question' },
      { from: 'reply.text', to: 'answer.value' },
    ],
  };
}
