import { describe, expect, it } from 'vitest';
import { pipelineModels } from '../src/graph/pipeline-models';

describe('pipelineModels', () => {
  it('names the model of each llm and agent node, and a vector search embedding model', () => {
    const nodes = [
      { id: 'q', type: 'input', config: { name: 'q' } },
      { id: 'draft', type: 'llm', config: { model: 'fireworks:m', prompt: '{{ q }}' } },
      { id: 'helper', type: 'agent', config: { model: 'openai:gpt-4o-mini', tools: [] } },
      { id: 'kw', type: 'retrieve', config: { index: 'docs', embeddingModel: 'openai:text-embedding-3-small' } },
      { id: 'vec', type: 'retrieve', config: { index: 'docs', mode: 'hybrid', embeddingModel: 'ollama:nomic-embed-text' } },
      { id: 'plain', type: 'retrieve', config: { index: 'docs', mode: 'vector' } },
    ];
    expect(pipelineModels({ nodes } as never)).toEqual([
      { node: 'draft', model: 'fireworks:m', field: 'model', kind: 'chat' },
      { node: 'helper', model: 'openai:gpt-4o-mini', field: 'model', kind: 'tool-calling' },
      { node: 'vec', model: 'ollama:nomic-embed-text', field: 'embeddingModel', kind: 'embedding' },
    ]);
  });
});
