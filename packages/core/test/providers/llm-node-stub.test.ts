import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPipeline, type RunEvent } from '../../src/index';
import type { PipelineDocument } from '../../src/schema/pipeline';
import { createServices } from '../../src/node/services';
import { startOpenAIStub, type OpenAIStub } from '../../../../test/support/openai-stub';

/**
 * An `llm` node on a networked provider (the stub, reached through
 * `<NAME>_BASE_URL` as a user would), with the workspace services that
 * `patchbay run` uses: streamed deltas become node.token events; usage and the
 * configured price give the cost; an unpriced model's cost stays null.
 */
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function workspace(config: object): Promise<{ stub: OpenAIStub; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-llm-stub-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'patchbay.config.json'), JSON.stringify(config));
  const stub = await startOpenAIStub({ handler: () => ({ text: 'Refunds take five days.', usage: { prompt_tokens: 2000, completion_tokens: 1000 } }) });
  cleanups.push(() => stub.close());
  return { stub, dir };
}

function llmPipeline(model: string): PipelineDocument {
  return {
    format: 'patchbay.pipeline/v1',
    name: 'llm-stub',
    nodes: [
      { id: 'question', type: 'input', config: { name: 'question', valueType: 'string' } },
      { id: 'answer', type: 'llm', config: { model, prompt: 'Question: {{ question }}', temperature: 0 } },
      { id: 'result', type: 'output', config: { name: 'answer' } },
    ],
    edges: [
      { from: 'question.value', to: 'answer.question' },
      { from: 'answer.text', to: 'result.value' },
    ],
  } as PipelineDocument;
}

describe('llm node on an OpenAI-compatible server', () => {
  it('streams each delta as a node.token event and prices the call from the config', async () => {
    const { stub, dir } = await workspace({ prices: { 'acme:small': { input: 1, output: 4 } } });
    const services = await createServices({ dataDir: dir, env: { ACME_BASE_URL: stub.url, ACME_API_KEY: 'sk-acme-secret-1234' } });
    cleanups.push(() => services.close());
    const events: RunEvent[] = [];
    const run = await runPipeline(llmPipeline('acme:small'), { question: 'How long do refunds take?' }, { services, onEvent: (e) => events.push(e) });

    expect(run.status).toBe('succeeded');
    expect(run.outputs).toEqual({ answer: 'Refunds take five days.' });
    const tokens = events.filter((e) => e.type === 'node.token').map((e) => (e as { text: string }).text);
    expect(tokens).toEqual(['Refunds ', 'take ', 'five ', 'days.']);
    expect(stub.requests[0].body).toMatchObject({ model: 'small', stream: true, temperature: 0 });
    expect(run.nodes.answer).toMatchObject({
      model: 'acme:small',
      usage: { promptTokens: 2000, completionTokens: 1000, totalTokens: 3000 },
      costUsd: (2000 * 1 + 1000 * 4) / 1e6,
    });
    expect(JSON.stringify(run)).not.toContain('sk-acme-secret-1234');
  });

  it('leaves the cost of an unpriced model null, not 0', async () => {
    const { stub, dir } = await workspace({});
    const services = await createServices({ dataDir: dir, env: { ACME_BASE_URL: stub.url } });
    cleanups.push(() => services.close());
    const run = await runPipeline(llmPipeline('acme:unpriced'), { question: 'q' }, { services });
    expect(run.status).toBe('succeeded');
    expect(run.nodes.answer.usage?.totalTokens).toBe(3000);
    expect(run.nodes.answer.costUsd).toBeNull();
  });
});
