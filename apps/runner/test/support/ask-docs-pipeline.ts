import { pipelineDoc } from '../cli-child';

/** "ask": its question searched in the index "docs" (keyword, top 1), the documents found its output. */
export const askDocsPipeline = pipelineDoc(
  'ask',
  [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'search', type: 'retrieve', config: { index: 'docs', topK: 1, mode: 'keyword' } },
    { id: 'out', type: 'output', config: { name: 'docs' } },
  ],
  ['q.value -> search.query', 'search.documents -> out.value'],
);
