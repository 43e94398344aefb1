import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PipelineDocument } from '../src/schema/pipeline';
import type { RunEvent } from '../src/engine/events';
import { runPipeline } from '../src/engine/run-pipeline';
import { createServices } from '../src/node/services';
import { startOpenAIStub } from '../../../test/support/openai-stub';

/**
 * Token events exist for listeners (the editor, SSE). A run with no listener
 * (an eval case) gets the same answer from one whole response: a stream would
 * only cost CPU per chunk for deltas nobody reads.
 */

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const doc: PipelineDocument = {
  format: 'patchbay.pipeline/v1',
  name: 'tokenless',
  nodes: [
    { id: 'question', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'reply', type: 'llm', config: { model: 'stub:m', prompt: '{{ question }}' } },
    { id: 'answer', type: 'output', config: { name: 'answer' } },
  ],
  edges: [
    { from: 'question.value', to: 'reply.question' },
    { from: 'reply.text', to: 'answer.value' },
  ],
};

async function workspace() {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-tokenless-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const stub = await startOpenAIStub();
  cleanups.push(() => stub.close());
  const services = await createServices({ dataDir: dir, env: { STUB_BASE_URL: stub.url } });
  cleanups.push(() => services.close());
  return { stub, services };
}

describe('model calls of a run without an event listener', () => {
  it('ask for one whole reply, with the same text and usage a streamed run reports', async () => {
    const { stub, services } = await workspace();
    const quiet = await runPipeline(doc, { question: 'one two three' }, { services });
    const events: RunEvent[] = [];
    const heard = await runPipeline(doc, { question: 'one two three' }, { services, onEvent: (e) => events.push(e) });

    expect(stub.requests.map((r) => Boolean(r.body.stream))).toEqual([false, true]);
    expect(quiet.outputs).toEqual({ answer: 'one two three' });
    expect(heard.outputs).toEqual(quiet.outputs);
    expect(quiet.nodes.reply.usage).toEqual(heard.nodes.reply.usage);
    expect(events.filter((e) => e.type === 'node.token').map((e) => (e as { text: string }).text).join('')).toBe('one two three');
  });
});
