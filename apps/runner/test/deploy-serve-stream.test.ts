import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';

/** `stream: true` on /v1/chat/completions, read with the official openai client: what the client reads is the run's answer. */

let runner: TestRunner;
let stub: OpenAIStub;
let client: OpenAI;
const put = (path: string, body: unknown) => runner.api(path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function deploy(doc: { name: string }) {
  expect((await runner.post('/api/pipelines', doc)).status).toBe(201);
  expect((await put(`/api/pipelines/${doc.name}/labels/production`, { version: 1 })).status).toBe(200);
}

async function streamedText(model: string, content: string): Promise<{ text: string; id: string }> {
  const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content }] });
  let text = '';
  let id = '';
  for await (const chunk of stream) {
    id = chunk.id;
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  return { text, id };
}

beforeAll(async () => {
  stub = await startOpenAIStub({ handler: (req) => ({ text: `stub says ${req.body?.messages?.at(-1)?.content ?? ''}` }) });
  runner = await startTestRunner({ env: { STUB_BASE_URL: stub.url } });
  client = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
});
afterAll(async () => {
  await runner.close();
  await stub.close();
});

describe('a streamed chat completion', () => {
  it('carries every token of a model that answers at once (offline, a cached reply), not only those after the stream opened', async () => {
    await deploy(echoPipeline('echo'));
    const question = 'one two three four five six';
    const { text, id } = await streamedText('echo', question);
    const run = await (await runner.api(`/api/runs/${id}`)).json();
    expect(run.outputs).toEqual({ answer: question });
    expect(text).toBe(question);
  });
});
