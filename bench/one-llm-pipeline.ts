// The pipeline bench/evals and bench/scale run their cases through: one shape, so their figures compare.
import type { PipelineDocument } from '@patchbay/core';

/** input → llm (the stub's model, temperature 0) → output. */
export function oneLlmPipeline(name: string): PipelineDocument {
  return {
    format: 'patchbay.pipeline/v1',
    name,
    nodes: [
      { id: 'question', type: 'input', config: { name: 'question', valueType: 'string' } },
      { id: 'reply', type: 'llm', config: { model: 'stub:m', prompt: '{{ question }}', temperature: 0 } },
      { id: 'answer', type: 'output', config: { name: 'answer' } },
    ],
    edges: [
      { from: 'question.value', to: 'reply.question' },
      { from: 'reply.text', to: 'answer.value' },
    ],
  };
}
