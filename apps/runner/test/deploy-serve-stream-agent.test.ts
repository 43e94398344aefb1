import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub, type StubRequest } from '../../../test/support/openai-stub';
import { allSseEvents, echoPipeline, startTestRunner, waitForRun, type TestRunner } from './support/test-runner';

/**
 * `stream: true` on /v1/chat/completions over an agent, read with the official openai client: an agent's
 * answer is its last step's text, so a step that ends in tool calls (and the text the model wrote before
 * calling them) is not streamed as if it were the answer.
 */

let runner: TestRunner;
let stub: OpenAIStub;
let client: OpenAI;

const ADD_TOOL = {
  name: 'add',
  description: 'Adds two numbers',
  parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  code: 'return args.a + args.b;',
  timeoutMs: 10000,
};

const toolResults = (req: StubRequest) => (req.body?.messages ?? []).filter((m: { role: string }) => m.role === 'tool');

function agentPipeline(name: string, tools: string[], maxSteps?: number) {
  return {
    format: 'patchbay.pipeline/v1',
    name,
    nodes: [
      { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
      { id: 'agent', type: 'agent', config: { model: 'stub:tool-model', prompt: '{{ question }}', tools, ...(maxSteps === undefined ? {} : { maxSteps }) } },
      { id: 'out', type: 'output', config: { name: 'answer' } },
    ],
    edges: [
      { from: 'q.value', to: 'agent.question' },
      { from: 'agent.text', to: 'out.value' },
    ],
  };
}

async function streamed(model: string, content: string): Promise<{ pieces: string[]; id: string; finish: string | null }> {
  const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content }] });
  const pieces: string[] = [];
  let id = '';
  let finish: string | null = null;
  for await (const chunk of stream) {
    id = chunk.id;
    const text = chunk.choices[0]?.delta?.content;
    if (text) pieces.push(text);
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  return { pieces, id, finish };
}

beforeAll(async () => {
  stub = await startOpenAIStub({
    handler: async (req) => {
      const said: string = req.body?.messages?.find((m: { role: string }) => m.role === 'user')?.content ?? '';
      // "stall …": half the reply, then nothing (the model is still writing)
      if (said.startsWith('stall')) return { hang: req.body?.stream ? 'mid-stream' : 'before-response', text: 'a reply that is still being written' };
      // "late add …": a tool call, then an answer the model is still writing (it stalls half-way)
      if (said.startsWith('late add')) {
        if (!toolResults(req).length) return { text: 'Let me add. ', toolCalls: [{ name: 'add', arguments: { a: 1, b: 1 } }] };
        return { hang: 'mid-stream', text: 'It is two, and that is all' };
      }
      // "add …": the model says what it is about to do and asks for the tool in the same reply, then answers
      if (said.startsWith('add')) {
        const results = toolResults(req);
        // Ends with what could be the start of the key: the masker holds it back until the step ends.
        if (!results.length) return { text: 'Let me work that out. sk-', toolCalls: [{ name: 'add', arguments: { a: 2, b: 2 } }] };
        return { text: `It is ${results[0].content}.` };
      }
      return { text: `stub says ${said}` };
    },
  });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-runner-'));
  fs.writeFileSync(path.join(dataDir, 'patchbay.config.json'), JSON.stringify({ tools: { custom: [ADD_TOOL] } }));
  // A key in env: the runner masks streamed text (run-manager.ts), as it does in use.
  runner = await startTestRunner({ dataDir, env: { STUB_BASE_URL: stub.url, STUB_API_KEY: 'sk-stub-7c1e9b04d2a85f36' } });
  client = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
  await runner.deploy(agentPipeline('adder', ['add']));
  await runner.deploy(agentPipeline('toolless', []));
  await runner.deploy(agentPipeline('two-steps', ['add'], 2));
  await runner.deploy(echoPipeline('plain', 'stub:model'));
});
afterAll(async () => {
  await runner?.close();
  await stub?.close();
});

describe('a streamed chat completion over an agent that calls a tool', () => {
  it("streams the answer only: its last step's text, as the whole answer and the run's output give it", async () => {
    const whole = await client.chat.completions.create({ model: 'adder', messages: [{ role: 'user', content: 'add 2 and 2' }] });
    expect(whole.choices[0].message.content).toBe('It is 4.');

    const { pieces, id, finish } = await streamed('adder', 'add 2 and 2');
    expect(pieces.join('')).toBe(whole.choices[0].message.content);
    expect(finish).toBe('stop');
    // As the chunks the model wrote it in, not one block.
    expect(pieces.length).toBeGreaterThan(1);
    const run = await waitForRun(runner, id);
    expect(run).toMatchObject({ status: 'succeeded', outputs: { answer: 'It is 4.' } });
  });

  it("streams the last allowed step live, and only it: the text an earlier step wrote before its tool call never follows the answer", async () => {
    // maxSteps 2: step 1 writes "Let me work that out. …" and calls the tool; step 2 (the last allowed) answers, live.
    const whole = await client.chat.completions.create({ model: 'two-steps', messages: [{ role: 'user', content: 'add 2 and 2' }] });
    expect(whole.choices[0].message.content).toBe('It is 4.');
    const { pieces, id, finish } = await streamed('two-steps', 'add 2 and 2');
    expect(pieces.join('')).toBe('It is 4.');
    expect(finish).toBe('stop');
    expect(await waitForRun(runner, id)).toMatchObject({ status: 'succeeded', outputs: { answer: 'It is 4.' } });
  });

  it("tells each node.token of the agent the step it belongs to, live, on replay and with ?cut", async () => {
    const { id } = await streamed('adder', 'add 2 and 2 again');
    await waitForRun(runner, id);
    for (const query of ['', '?cut=1000']) {
      const events = await allSseEvents(await runner.api(`/api/runs/${id}/events${query}`));
      const tokens = events.filter((e) => e.event === 'node.token').map((e) => JSON.parse(e.data));
      const byStep = (step: number) => tokens.filter((t) => t.step === step).map((t) => t.text).join('');
      expect(tokens.every((t) => t.nodeId === 'agent' && typeof t.step === 'number')).toBe(true);
      expect(byStep(1)).toBe('Let me work that out. sk-');
      expect(byStep(2)).toBe('It is 4.');
    }
  });
});

describe('a streamed chat completion that streams as the model writes', () => {
  /** The first content chunk of a reply the model never finishes (the stub stalls half-way): proof that tokens go out live. */
  async function firstContent(model: string): Promise<string> {
    const abort = new AbortController();
    const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'stall here' }] }, { signal: abort.signal });
    for await (const chunk of stream) {
      const text = chunk.choices[0]?.delta?.content;
      if (text) {
        abort.abort();
        return text;
      }
    }
    return '';
  }

  it('an llm node: token by token', async () => {
    const { pieces } = await streamed('plain', 'one two three four');
    expect(pieces.join('')).toBe('stub says one two three four');
    expect(pieces.length).toBeGreaterThan(1);
    expect(await firstContent('plain')).toBe('a ');
  });

  it("an agent's last allowed step (maxSteps), whose text can only be the answer: live, and the steps before it are not sent", async () => {
    const abort = new AbortController();
    const stream = await client.chat.completions.create({ model: 'two-steps', stream: true, messages: [{ role: 'user', content: 'late add one and one' }] }, { signal: abort.signal });
    let first = '';
    for await (const chunk of stream) {
      first = chunk.choices[0]?.delta?.content ?? '';
      if (first) break;
    }
    abort.abort();
    // The answer's first words while the model is still writing it; not the first step's "Let me add. ".
    expect(first).toBe('It ');
  });

  it('an agent with no tools (one step, which is its answer): live too', async () => {
    const { pieces } = await streamed('toolless', 'one two three');
    expect(pieces.join('')).toBe('stub says one two three');
    expect(pieces.length).toBeGreaterThan(1);
    expect(await firstContent('toolless')).toBe('a ');
  });
});
