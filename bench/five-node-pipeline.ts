// The pipeline bench/runner and bench/monitor post runs to: one shape, so their figures compare.

/** input → template → llm (offline:echo) → transform (JSONata) → output: five nodes, no network. */
export const FIVE_NODE_PIPELINE = {
  format: 'patchbay.pipeline/v1',
  name: 'bench',
  nodes: [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'prompt', type: 'template', config: { template: 'Question: {{ question }}' } },
    { id: 'answer', type: 'llm', config: { model: 'offline:echo', prompt: '{{ text }}' } },
    { id: 'shout', type: 'transform', config: { expression: '$uppercase($)' } },
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ],
  edges: [
    { from: 'q.value', to: 'prompt.question' },
    { from: 'prompt.text', to: 'answer.text' },
    { from: 'answer.text', to: 'shout.value' },
    { from: 'shout.value', to: 'out.value' },
  ],
};
