import { describe, expect, it } from 'vitest';
import { validatePipeline } from '../src/graph/validate';

const nodes = [
  { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
  { id: 'r', type: 'output', config: { name: 'answer' } },
];

// Edges written as objects, the way React Flow and other graph tools keep them ({node, port} or
// {source, sourceHandle}), were told only "edges[0].from must be text (it is an object)": right, but
// not what text. The line now shows the form with an example.
describe('an edge end that is not text', () => {
  it('says the "<nodeId>.<port>" form with an example, and what it was', () => {
    const doc = { format: 'patchbay.pipeline/v1', name: 'x', nodes, edges: [{ from: { node: 'q', port: 'value' }, to: ['r', 'value'] }] };
    const problems = validatePipeline(doc).problems.filter((p) => p.path.startsWith('$.edges'));
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['$.edges[0].from', 'edges[0].from: edge end must be text "<nodeId>.<port>", e.g. "question.value" (it is an object)'],
      ['$.edges[0].to', 'edges[0].to: edge end must be text "<nodeId>.<port>", e.g. "question.value" (it is a list)'],
    ]);
  });

  it('a missing end is still "is missing", and text of another form still names the form', () => {
    const doc = { format: 'patchbay.pipeline/v1', name: 'x', nodes, edges: [{ to: 'r.value' }, { from: 'q', to: 'r.value' }] };
    const messages = validatePipeline(doc).problems.filter((p) => p.path.startsWith('$.edges')).map((p) => p.message);
    expect(messages).toEqual(['edges[0].from is missing', 'edges[1].from: edge end must be "<nodeId>.<port>"']);
  });

  it('text of the form is an edge', () => {
    const doc = { format: 'patchbay.pipeline/v1', name: 'x', nodes, edges: [{ from: 'q.value', to: 'r.value' }] };
    expect(validatePipeline(doc)).toMatchObject({ valid: true });
  });
});
