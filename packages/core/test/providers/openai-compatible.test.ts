import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAICompatibleProvider, type OpenAICompatibleOptions } from '../../src/node/providers/openai-compatible';
import { createThreadedProvider, modelThread } from '../../src/node/providers/model-thread';
import { startOpenAIStub, type OpenAIStub, type OpenAIStubOptions } from '../../../../test/support/openai-stub';

const KEY = 'sk-test-0123456789abcdef';
let stub: OpenAIStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

// Every behaviour holds alike for the provider on this thread and on the model thread (what the runner uses).
let create: (options: OpenAICompatibleOptions) => ReturnType<typeof createOpenAICompatibleProvider> = createOpenAICompatibleProvider;

async function setup(stubOptions: OpenAIStubOptions = {}, providerOptions: { timeoutMs?: number; maxRetries?: number; maxReplyBytes?: number; prices?: Record<string, { input: number; output: number }> } = {}) {
  stub = await startOpenAIStub(stubOptions);
  const provider = create({ name: 'stub', baseURL: stub.url, apiKey: KEY, ...providerOptions });
  return { stub, provider };
}

const ask = (content: string) => ({ model: 'stub:m1', messages: [{ role: 'user' as const, content }] });

describe.each([
  { where: 'on this thread', make: createOpenAICompatibleProvider },
  { where: 'on the model thread', make: createThreadedProvider },
])('openai-compatible provider against a stub server, $where', ({ make }) => {
  beforeEach(() => {
    create = make;
  });

  it('answers a plain chat call with text, usage and the bare model id sent', async () => {
    const { stub, provider } = await setup();
    const result = await provider.chat('m1', { ...ask('hello there'), temperature: 0, maxTokens: 20, stop: ['\n\n'] });
    expect(result.text).toBe('hello there');
    expect(result.model).toBe('stub:m1');
    expect(result.usage).toEqual({ promptTokens: expect.any(Number), completionTokens: 2, totalTokens: expect.any(Number) });
    const sent = stub.requests[0];
    expect(sent.body).toMatchObject({ model: 'm1', temperature: 0, max_tokens: 20, stop: ['\n\n'], messages: [{ role: 'user', content: 'hello there' }] });
    expect(sent.body.stream).toBeFalsy();
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    // No platform telemetry goes to the server, streamed or not.
    await provider.chat('m1', ask('again'), { onToken: () => {} });
    for (const request of stub.requests) {
      expect(Object.keys(request.headers).filter((h) => /^x-stainless-(os|arch|runtime|lang|package)/.test(h))).toEqual([]);
    }
  });

  it('streams text deltas to onToken and asks for usage in the stream', async () => {
    const { stub, provider } = await setup();
    const tokens: string[] = [];
    const result = await provider.chat('m1', ask('one two three four'), { onToken: (t) => tokens.push(t) });
    expect(tokens.length).toBe(4);
    expect(tokens.join('')).toBe('one two three four');
    expect(result.text).toBe('one two three four');
    expect(result.usage?.completionTokens).toBe(4);
    expect(stub.requests[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("says why the model stopped, whole and streamed: `length` when the reply was cut off by its token limit", async () => {
    const { provider } = await setup({ handler: (req) => (req.body.messages[0].content === 'long' ? { text: 'cut short', finishReason: 'length' } : { text: 'done' }) });
    for (const onToken of [undefined, () => {}]) {
      expect((await provider.chat('m1', ask('long'), { onToken })).finishReason).toBe('length');
      expect((await provider.chat('m1', ask('short'), { onToken })).finishReason).toBe('stop');
    }
  });

  const tools = [{ name: 'add', description: 'Adds', parameters: { type: 'object', properties: { a: { type: 'number' } } } }];
  const toolReply = () => ({ toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 } }, { name: 'add', arguments: { a: 3 } }] });

  it('returns tool calls from a non-streamed reply and sends the tools as functions', async () => {
    const { stub, provider } = await setup({ handler: toolReply });
    const result = await provider.chat('m1', { ...ask('add'), tools });
    expect(result.toolCalls).toEqual([
      { id: 'call_1_0', name: 'add', arguments: '{"a":1,"b":2}' },
      { id: 'call_1_1', name: 'add', arguments: '{"a":3}' },
    ]);
    expect(stub.requests[0].body.tools).toEqual([{ type: 'function', function: tools[0] }]);
  });

  it('accumulates streamed tool-call fragments by index', async () => {
    const { provider } = await setup({ handler: toolReply });
    const result = await provider.chat('m1', { ...ask('add'), tools }, { onToken: () => {} });
    expect(result.toolCalls.map((c) => [c.id, c.name, JSON.parse(c.arguments)])).toEqual([
      ['call_1_0', 'add', { a: 1, b: 2 }],
      ['call_1_1', 'add', { a: 3 }],
    ]);
  });

  it('sends assistant tool calls and tool results back in the OpenAI shape', async () => {
    const { stub, provider } = await setup();
    await provider.chat('m1', {
      model: 'stub:m1',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'add 1 and 2' },
        { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'add', arguments: '{"a":1,"b":2}' }] },
        { role: 'tool', content: '3', toolCallId: 'c1' },
      ],
    });
    expect(stub.requests[0].body.messages.slice(2)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'add', arguments: '{"a":1,"b":2}' } }] },
      { role: 'tool', content: '3', tool_call_id: 'c1' },
    ]);
  });

  it('asks for structured output with response_format json_schema, strict only for strict-ready schemas', async () => {
    const { stub, provider } = await setup({ handler: () => ({ text: '{"answer":"yes"}' }) });
    const strict = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    const loose = { type: 'object', properties: { answer: { type: 'string' } } };
    const result = await provider.chat('m1', { ...ask('q'), jsonSchema: strict });
    expect(JSON.parse(result.text)).toEqual({ answer: 'yes' });
    await provider.chat('m1', { ...ask('q'), jsonSchema: loose });
    expect(stub.requests[0].body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema: strict, strict: true } });
    expect(stub.requests[1].body.response_format.json_schema.strict).toBe(false);
  });

  it('embeds with encoding_format float, in input order, batching long lists', async () => {
    const { stub, provider } = await setup();
    const texts = Array.from({ length: 130 }, (_, i) => (i % 2 ? 'cats purr' : 'dogs bark'));
    const vectors = await provider.embed('emb', texts);
    expect(vectors).toHaveLength(130);
    expect(vectors[0]).toHaveLength(8);
    expect(vectors[2]).toEqual(vectors[0]);
    expect(vectors[1]).not.toEqual(vectors[0]);
    expect(stub.requests.map((r) => [r.body.encoding_format, r.body.input.length])).toEqual([
      ['float', 128],
      ['float', 2],
    ]);
  });

  it('refuses embeddings that cannot be compared, naming the input, instead of indexing NaN scores', async () => {
    const cases: Array<[unknown[][], string]> = [
      [[[0.1, 0.2], [0.3, null]], 'stub: emb returned an embedding with a value that is not a number (input 2, position 2)'],
      [[[0.1, 'x']], 'stub: emb returned an embedding with a value that is not a number (input 1, position 2)'],
      [[[1e39, 0.2]], 'stub: emb returned an embedding with a value that is not a number (input 1, position 1)'],
      [[[0.1, 0.2], [0, 0]], 'stub: emb returned an all-zero embedding for input 2: it has no direction to compare by cosine'],
      [[[0.1, 0.2], [0.1, 0.2, 0.3]], 'stub: emb returned embeddings of 2 and 3 dimensions'],
    ];
    for (const [embeddings, message] of cases) {
      const { provider } = await setup({ handler: () => ({ embeddings: embeddings as number[][] }) });
      await expect(provider.embed('emb', embeddings.map((_, i) => `text ${i}`))).rejects.toThrow(message);
      await stub!.close();
      stub = undefined;
    }
    // Batches of one call must agree too (130 texts: 128, then 2).
    const { provider } = await setup({ handler: (req) => ({ embeddings: req.body.input.map(() => (req.count === 1 ? [0.1, 0.2] : [0.1, 0.2, 0.3])) }) });
    await expect(provider.embed('emb', Array.from({ length: 130 }, (_, i) => `t${i}`))).rejects.toThrow('stub: emb returned embeddings of 2 and 3 dimensions');
  });

  it('waits out a 429 with retry-after, then succeeds', async () => {
    const { stub, provider } = await setup({
      handler: (req) => (req.count === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { text: 'ok now' }),
    });
    const started = Date.now();
    const result = await provider.chat('m1', ask('hi'));
    expect(result.text).toBe('ok now');
    expect(stub.requests).toHaveLength(2);
    // retry-after is 1 s; the SDK's own backoff for a first retry would be ~0.5 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('takes a retry-after of 0 (or retry-after-ms 0) as no hint: its own retries back off, not a burst', async () => {
    for (const headers of [{ 'retry-after': '0' }, { 'retry-after-ms': '0' }] as Record<string, string>[]) {
      const arrivals: number[] = [];
      const { provider } = await setup({ handler: () => (arrivals.push(Date.now()), { status: 429, headers }) }, { maxRetries: 2 });
      await expect(provider.chat('m1', ask('hi'))).rejects.toThrow('stub: HTTP 429');
      expect(arrivals).toHaveLength(3);
      // The SDK's own backoff: ~0.5 s then ~1 s, less up to 25% jitter.
      expect(arrivals[1] - arrivals[0], JSON.stringify(headers)).toBeGreaterThanOrEqual(350);
      expect(arrivals[2] - arrivals[1], JSON.stringify(headers)).toBeGreaterThanOrEqual(700);
      await stub!.close();
      stub = undefined;
    }
  });

  it('does not wait an hour when retry-after says so: fails at once, naming the wait', async () => {
    const { stub, provider } = await setup({ handler: () => ({ status: 429, headers: { 'retry-after': '3600' } }) });
    await expect(provider.chat('m1', ask('hi'))).rejects.toThrow('stub: HTTP 429: stub error 429 (retry-after 3600)');
    expect(stub.requests).toHaveLength(1);
  });

  it('retries a 500, then fails with a one-line error naming provider and status but not the key', async () => {
    const { stub, provider } = await setup(
      { handler: () => ({ status: 500, body: { error: { message: `backend exploded with key ${KEY}` } } }) },
      { maxRetries: 1 },
    );
    const err = await provider.chat('m1', ask('hi')).catch((e: Error) => e);
    expect(stub.requests).toHaveLength(2);
    expect((err as Error).message).toBe('stub: HTTP 500: backend exploded with key ***');
    expect((err as Error).message).not.toContain(KEY);
  });

  it('does not retry a 400 and reports the server message', async () => {
    const { stub, provider } = await setup({ handler: () => ({ status: 400, body: { error: { message: 'model m1 not found' } } }) });
    await expect(provider.chat('m1', ask('hi'))).rejects.toThrow('stub: HTTP 400: model m1 not found');
    expect(stub.requests).toHaveLength(1);
  });

  it('times out a server that never answers', async () => {
    const { provider } = await setup({ handler: () => ({ hang: 'before-response' }) }, { timeoutMs: 300, maxRetries: 0 });
    await expect(provider.chat('m1', ask('hi'))).rejects.toThrow(/^stub: no response within 300 ms from http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it('times out a stream that goes silent half way', async () => {
    const { provider } = await setup({ handler: () => ({ hang: 'mid-stream', text: 'a b c d e f' }) }, { timeoutMs: 300, maxRetries: 0 });
    const tokens: string[] = [];
    await expect(provider.chat('m1', ask('hi'), { onToken: (t) => tokens.push(t) })).rejects.toThrow('stub: the stream went silent for 300 ms');
    expect(tokens.length).toBeGreaterThan(0);
  });

  it('stops reading a stream that sends one event of more than 4 MB, before the SDK sees it', async () => {
    // A server that sends a 20 MB reply as one SSE event: the SDK's decoder re-scans its whole buffer on every
    // network chunk, so reading it held this thread for seconds at a time (80 s in all for 50 MB). The limit
    // counts bytes as they arrive and ends the stream at the first event past 4 MB: no token of it reaches the
    // caller, and the call fails saying why. (Not timed: how long the loop was held depends on the machine.)
    const { provider } = await setup({ handler: () => ({ pieces: ['x'.repeat(20 * 1024 * 1024)] }) }, { maxRetries: 0 });
    const tokens: string[] = [];
    await expect(provider.chat('m1', ask('hi'), { onToken: (t) => tokens.push(t) })).rejects.toThrow(
      /^stub: the stream sent one event of more than 4 MB \(a chat completion stream sends small pieces\); stopped reading at http:\/\/127\.0\.0\.1:\d+\/v1$/,
    );
    expect(tokens).toEqual([]);
    // A reply of many small events is no single big event: 6 MB in 1 MB pieces streams whole.
    await stub?.close();
    const { provider: many } = await setup({ handler: () => ({ pieces: Array.from({ length: 6 }, () => 'y'.repeat(1024 * 1024)) }) });
    expect((await many.chat('m1', ask('hi'), { onToken: () => {} })).text.length).toBe(6 * 1024 * 1024);
  });

  it('stops reading a whole reply past maxReplyBytes (128 MB by default) with one line, and asks once', async () => {
    // A reply read whole (a served answer, an eval case) was read to its end, however large: gigabytes from a broken or
    // hostile endpoint took the runner's memory. undici now stops reading at the bound.
    const { stub, provider } = await setup({ handler: (req) => ({ text: req.count === 1 ? 'y'.repeat(2 * 1024 * 1024) : 'fine' }) }, { maxReplyBytes: 1024 * 1024 });
    await expect(provider.chat('m1', ask('hi'))).rejects.toThrow(
      /^stub: the reply was over 1 MB \(a model's reply is far smaller\); stopped reading it at http:\/\/127\.0\.0\.1:\d+\/v1$/,
    );
    expect(stub.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
    // a reply under the bound, as before
    expect((await provider.chat('m1', ask('hi'))).text).toBe('fine');
  });

  it('cancels mid-stream through the signal', async () => {
    const { provider } = await setup({ handler: () => ({ hang: 'mid-stream', text: 'a b c d e f' }) }, { timeoutMs: 60_000 });
    const controller = new AbortController();
    const reason = new Error('run cancelled');
    const call = provider.chat('m1', ask('hi'), { signal: controller.signal, onToken: () => controller.abort(reason) });
    await expect(call).rejects.toBe(reason);
  });

  it('cancels a whole reply through the signal, with the caller\'s reason', async () => {
    const { provider } = await setup({ handler: () => ({ hang: 'before-response' }) }, { timeoutMs: 60_000 });
    const controller = new AbortController();
    const reason = new Error('eval cancelled');
    const call = provider.chat('m1', ask('hi'), { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    await expect(call).rejects.toBe(reason);
  });

  it('leaves no listener on a long-lived signal after its calls end (whole replies, streams, embeddings)', async () => {
    const { provider } = await setup();
    const signal = new AbortController().signal;
    for (let i = 0; i < 3; i++) {
      await provider.chat('m1', ask(`whole ${i}`), { signal });
      await provider.chat('m1', ask(`streamed ${i}`), { signal, onToken: () => {} });
      await provider.embed('e1', [`text ${i}`], { signal });
    }
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('computes cost from a known price and leaves an unknown one null', async () => {
    const { provider } = await setup({ handler: () => ({ text: 'x', usage: { prompt_tokens: 1000, completion_tokens: 500 } }) }, { prices: { priced: { input: 2, output: 10 } } });
    const priced = await provider.chat('priced', ask('hi'));
    expect(priced.costUsd).toBeCloseTo((1000 * 2 + 500 * 10) / 1e6, 12);
    const unknown = await provider.chat('other', ask('hi'));
    expect(unknown.usage).not.toBeNull();
    expect(unknown.costUsd).toBeNull();
  });

  it('never forwards OPENAI_* credentials from the environment to another server', async () => {
    stub = await startOpenAIStub();
    const saved = { key: process.env.OPENAI_API_KEY, org: process.env.OPENAI_ORG_ID };
    process.env.OPENAI_API_KEY = 'sk-env-must-not-leak';
    process.env.OPENAI_ORG_ID = 'org-must-not-leak';
    // A model thread started now reads this environment, as a provider made now does.
    await modelThread().stop();
    try {
      const provider = create({ name: 'local', baseURL: stub.url });
      await provider.chat('m', ask('hi'));
    } finally {
      for (const [name, value] of [['OPENAI_API_KEY', saved.key], ['OPENAI_ORG_ID', saved.org]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    expect(JSON.stringify(stub.requests[0].headers)).not.toMatch(/must-not-leak/);
  });
});
