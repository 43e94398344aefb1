import { describe, expect, it } from 'vitest';
import { validatePipeline, type PipelineDocument } from '../src/index';

const doc = (nodes: PipelineDocument['nodes']): PipelineDocument => ({ format: 'patchbay.pipeline/v1', name: 'x', nodes, edges: [] });
const messages = (d: PipelineDocument) => validatePipeline(d).problems.filter((p) => p.code === 'invalid-config').map((p) => p.message);

describe('config problems read as sentences', () => {
  it('says what to do, not what zod expected', () => {
    expect(
      messages(
        doc([
          { id: 'a', type: 'llm', config: { model: '', prompt: 'hi', temperature: 3, maxTokens: 0 } },
          { id: 's', type: 'retrieve', config: { index: '', topK: 1000, mode: 'fuzzy' } },
          { id: 't', type: 'tool', config: { tool: '' } },
          { id: 'm', type: 'merge', config: { inputs: [] } },
          { id: 'k', type: 'retrieve', config: { index: 'docs', topK: 2.5 } },
        ]),
      ),
    ).toEqual([
      'node "a": config.model: Choose a model.',
      'node "a": config.temperature: Temperature must be between 0 and 2.',
      'node "a": config.maxTokens: Max tokens must be greater than 0.',
      'node "s": config.index: Choose an index.',
      'node "s": config.topK: Top K must be between 1 and 100.',
      'node "s": config.mode: Mode must be one of keyword, vector or hybrid.',
      'node "t": config.tool: Choose a tool.',
      'node "m": config.inputs: Inputs must have at least one entry.',
      'node "k": config.topK: Top K must be a whole number.',
    ]);
  });

  it('names the model format when a model is not empty but has no provider', () => {
    expect(messages(doc([{ id: 'a', type: 'llm', config: { model: 'gpt-4o', prompt: 'hi' } }]))).toEqual([
      'node "a": config.model: A model is named "<provider>:<model>", e.g. "offline:extractive".',
    ]);
  });
});
