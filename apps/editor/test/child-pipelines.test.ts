import { describe, expect, it } from 'vitest';
import type { PipelineDocument } from '@patchbay/core';
import { ChildPipelines } from '../src/lib/child-pipelines';

const echo: PipelineDocument = {
  format: 'patchbay.pipeline/v1',
  name: 'echo',
  nodes: [
    { id: 'question', type: 'input', position: { x: 0, y: 0 }, config: { name: 'question', valueType: 'string' } },
    { id: 'answer', type: 'output', position: { x: 300, y: 0 }, config: { name: 'answer' } },
  ],
  edges: [{ from: 'question.value', to: 'answer.value' }],
};

describe('ChildPipelines.find', () => {
  it('resolves a reference the background fetch has not reached yet, and keeps it for the ports', async () => {
    const asked: string[] = [];
    const children = new ChildPipelines();
    children.setResolver(async (ref) => {
      asked.push(ref);
      return { name: 'echo', version: 1, document: echo };
    });
    let heard = 0;
    children.subscribe(() => heard++);

    const child = await children.find('echo@v1');
    expect(child).toMatchObject({ name: 'echo', version: 1, ref: 'echo@v1' });
    expect(child.inputs.map((p) => p.name)).toEqual(['question']);
    expect(children.get('echo@v1')).toBe(child);
    expect(heard).toBe(1);
    // known now: no second request
    await children.find('echo@v1');
    expect(asked).toEqual(['echo@v1']);
  });

  it('rejects with the resolver\'s reason when the reference names nothing stored', async () => {
    const children = new ChildPipelines();
    children.setResolver(async (ref) => {
      throw new Error(`no pipeline "${ref}"`);
    });
    await expect(children.find('nope@v1')).rejects.toThrow('no pipeline "nope@v1"');
    expect(children.get('nope@v1')).toBeUndefined();
  });
});
