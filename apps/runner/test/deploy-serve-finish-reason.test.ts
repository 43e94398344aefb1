import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';

/**
 * `finish_reason` on /v1/chat/completions, read with the official openai client: "length" when the model node
 * that feeds the answer was cut off by its token limit (a client then knows the answer is not whole), "stop"
 * otherwise; the node's finish reason is in the run's trace.
 */

let runner: TestRunner;
let stub: OpenAIStub;
let client: OpenAI;
const ask = (content: string) => [{ role: 'user' as const, content }];

/** input → llm (its text through a template) → output: the answer does not come straight from the model node. */
const templated = {
  format: 'patchbay.pipeline/v1',
  name: 'templated',
  nodes: [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'llm', type: 'llm', config: { model: 'stub:model', prompt: '{{ question }}' } },
    { id: 't', type: 'template', config: { template: 'said: {{ text }}' } },
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ],
  edges: [
    { from: 'q.value', to: 'llm.question' },
    { from: 'llm.text', to: 't.text' },
    { from: 't.text', to: 'out.value' },
  ],
};

beforeAll(async () => {
  stub = await startOpenAIStub({
    handler: (req) => {
      const said: string = req.body?.messages?.at(-1)?.content ?? '';
      // "long …": the model runs into its token limit, as OpenAI reports it
      if (said.startsWith('long')) return { text: 'the answer was cut', finishReason: 'length' };
      // "filtered …": the provider's content filter withheld the rest, as OpenAI and Azure report it
      if (said.startsWith('filtered')) return { text: 'the start of an answer', finishReason: 'content_filter' };
      return { text: `stub says ${said}` };
    },
  });
  runner = await startTestRunner({ env: { STUB_BASE_URL: stub.url } });
  client = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
  await runner.deploy(echoPipeline('prose', 'stub:model'));
  await runner.deploy(templated);
});
afterAll(async () => {
  await runner?.close();
  await stub?.close();
});

async function streamed(model: string, content: string) {
  const stream = await client.chat.completions.create({ model, messages: ask(content), stream: true });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('finish_reason', () => {
  it('is "length" when the model node that feeds the answer stopped at its token limit, whole and streamed; the trace records it', async () => {
    const whole = await client.chat.completions.create({ model: 'prose', messages: ask('long story') });
    expect(whole.choices[0].finish_reason).toBe('length');
    expect(whole.choices[0].message.content).toBe('the answer was cut');
    const run = await (await runner.api(`/api/runs/${whole.id}`)).json();
    expect(run.nodes.answer.finishReason).toBe('length');

    const chunks = await streamed('prose', 'long story again');
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('the answer was cut');
    // the shape: only the final chunk has a finish_reason, and it carries the usage
    const finishes = chunks.map((c) => c.choices[0]?.finish_reason ?? null);
    expect(finishes.slice(0, -1).every((f) => f === null)).toBe(true);
    expect(finishes.at(-1)).toBe('length');
    expect(chunks.at(-1)!.usage?.completion_tokens).toBeGreaterThan(0);
    const streamedRun = await (await runner.api(`/api/runs/${chunks[0].id}`)).json();
    expect(streamedRun.nodes.answer.finishReason).toBe('length');
  });

  it('is "content_filter" when the provider filtered the answering model node\'s reply, whole and streamed', async () => {
    const whole = await client.chat.completions.create({ model: 'prose', messages: ask('filtered story') });
    expect(whole.choices[0].finish_reason).toBe('content_filter');
    const chunks = await streamed('prose', 'filtered story again');
    expect(chunks.at(-1)!.choices[0]?.finish_reason).toBe('content_filter');
  });

  it('is "stop" for a model that finished, and for an answer that does not come straight from the model node', async () => {
    const whole = await client.chat.completions.create({ model: 'prose', messages: ask('short') });
    expect(whole.choices[0].finish_reason).toBe('stop');
    expect((await (await runner.api(`/api/runs/${whole.id}`)).json()).nodes.answer.finishReason).toBe('stop');
    expect((await streamed('prose', 'short')).at(-1)!.choices[0].finish_reason).toBe('stop');

    // through a template, the answer is the template's text, which its node finished
    const templatedWhole = await client.chat.completions.create({ model: 'templated', messages: ask('long story') });
    expect(templatedWhole.choices[0].message.content).toBe('said: the answer was cut');
    expect(templatedWhole.choices[0].finish_reason).toBe('stop');
    expect((await (await runner.api(`/api/runs/${templatedWhole.id}`)).json()).nodes.llm.finishReason).toBe('length');
    expect((await streamed('templated', 'long story')).at(-1)!.choices[0].finish_reason).toBe('stop');
  });
});
