import { describe, expect, it } from 'vitest';
import type { PipelineDocument } from '../src/schema/pipeline';
import { PipelineInvalidError, preparePipeline, runPipeline } from '../src/engine/run-pipeline';

const greet: PipelineDocument = {
  format: 'patchbay.pipeline/v1',
  name: 'greet',
  nodes: [
    { id: 'who', type: 'input', config: { name: 'who', valueType: 'string' } },
    { id: 'hello', type: 'template', config: { template: 'Hello, {{ who }}!' } },
    { id: 'out', type: 'output', config: { name: 'greeting' } },
  ],
  edges: [
    { from: 'who.value', to: 'hello.who' },
    { from: 'hello.text', to: 'out.value' },
  ],
};

describe('preparePipeline: check and compile once, run many times', () => {
  it('gives each run what runPipeline gives it, with its own run id', async () => {
    const prepared = preparePipeline(greet);
    const [a, b] = await Promise.all([prepared.run({ who: 'Ada' }), prepared.run({ who: 'Bob' })]);
    expect([a.outputs, b.outputs]).toEqual([{ greeting: 'Hello, Ada!' }, { greeting: 'Hello, Bob!' }]);
    expect(a.runId).not.toBe(b.runId);
    const plain = await runPipeline(greet, { who: 'Ada' });
    expect(plain.outputs).toEqual(a.outputs);
    expect(Object.keys(plain.nodes)).toEqual(Object.keys(a.nodes));
  });

  it('refuses a document that cannot run at once, and bad inputs per run', async () => {
    const broken = { ...greet, nodes: [...greet.nodes, { id: 'odd', type: 'no-such-type', config: {} }] } as PipelineDocument;
    expect(() => preparePipeline(broken)).toThrow(PipelineInvalidError);
    expect(() => preparePipeline(broken, { skipValidation: true })).toThrow(/unknown type "no-such-type"/);
    const prepared = preparePipeline(greet);
    await expect(prepared.run({ who: 3 })).rejects.toThrow(PipelineInvalidError);
    await expect(prepared.run({ who: 'Cy' })).resolves.toMatchObject({ status: 'succeeded' });
  });
});
