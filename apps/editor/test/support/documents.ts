import type { PipelineDocument } from '@patchbay/core';

/** input → llm (offline:echo) → output: the smallest pipeline that streams text. */
export function echoPipeline(name = 'echo', prompt = 'Say: {{ question }}'): PipelineDocument {
  return {
    format: 'patchbay.pipeline/v1',
    name,
    nodes: [
      { id: 'question', type: 'input', position: { x: 0, y: 0 }, config: { name: 'question', valueType: 'string' } },
      { id: 'answer', type: 'llm', position: { x: 300, y: 0 }, config: { model: 'offline:echo', prompt } },
      { id: 'result', type: 'output', position: { x: 600, y: 0 }, config: { name: 'answer' } },
    ],
    edges: [
      { from: 'question.value', to: 'answer.question' },
      { from: 'answer.text', to: 'result.value' },
    ],
  };
}
