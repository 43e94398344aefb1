import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';

/**
 * Request fields of /v1/chat/completions that ask for something a pipeline's answer may not be (JSON, log
 * probabilities, audio), read with the official openai client: honoured where the pipeline can give it,
 * refused with a 400 naming the field where it cannot, never silently answered otherwise.
 */

let runner: TestRunner;
let stub: OpenAIStub;
let client: OpenAI;
const err = async (p: Promise<unknown>) => p.then(() => undefined, (e) => e);
const runCount = async () => (await (await runner.api('/api/runs?source=openai&limit=1000')).json()).length;
const ask = (content: string) => [{ role: 'user' as const, content }];

/** input → llm on the stub with a jsonSchema; its `json` output (the parsed reply) answers. */
function jsonPipeline(name: string) {
  return {
    format: 'patchbay.pipeline/v1',
    name,
    nodes: [
      { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
      { id: 'llm', type: 'llm', config: { model: 'stub:model', prompt: '{{ question }}', jsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
      { id: 'out', type: 'output', config: { name: 'answer' } },
    ],
    edges: [
      { from: 'q.value', to: 'llm.question' },
      { from: 'llm.json', to: 'out.value' },
    ],
  };
}

/** A transform (an `any`-shaped JSON output) over the question: answers a list, or the question as a string. */
function transformPipeline(name: string, expression: string) {
  return {
    format: 'patchbay.pipeline/v1',
    name,
    nodes: [
      { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
      { id: 't', type: 'transform', config: { expression } },
      { id: 'out', type: 'output', config: { name: 'answer' } },
    ],
    edges: [
      { from: 'q.value', to: 't.value' },
      { from: 't.value', to: 'out.value' },
    ],
  };
}

beforeAll(async () => {
  stub = await startOpenAIStub({
    handler: async (req) => {
      const said: string = req.body?.messages?.at(-1)?.content ?? '';
      return { text: said.startsWith('city') ? '{"city": "Lyon"}' : `stub says ${said}` };
    },
  });
  runner = await startTestRunner({ env: { STUB_BASE_URL: stub.url } });
  client = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
  await runner.deploy(echoPipeline('prose', 'stub:model'));
  await runner.deploy(jsonPipeline('structured'));
  await runner.deploy(transformPipeline('listing', '[$, $length($)]'));
  await runner.deploy(transformPipeline('passthrough', '$'));
});
afterAll(async () => {
  await runner?.close();
  await stub?.close();
});

describe('response_format', () => {
  it('json_object or json_schema on a pipeline that answers with text: a 400 at response_format, and nothing runs', async () => {
    const before = await runCount();
    for (const response_format of [{ type: 'json_object' as const }, zodResponseFormat(z.object({ city: z.string() }), 'place')]) {
      for (const stream of [false, true]) {
        const refused = await err(client.chat.completions.create({ model: 'prose', messages: ask('x'), response_format, stream }));
        expect(refused, `${response_format.type} stream=${stream}`).toBeInstanceOf(OpenAI.BadRequestError);
        expect(refused.param).toBe('response_format');
        expect(refused.error.code).toBe('response_format_unsupported');
        expect(refused.message).toMatch(/pipeline "prose" answers with text \(output "answer" is node "answer"'s text\), not JSON, so it cannot answer response_format json_(object|schema): give node "answer" a jsonSchema/);
      }
    }
    expect(await runCount()).toBe(before);
    // text is what it answers anyway
    const text = await client.chat.completions.create({ model: 'prose', messages: ask('plain'), response_format: { type: 'text' } });
    expect(text.choices[0].message.content).toBe('stub says plain');
  });

  it('honoured by a pipeline whose answer is JSON: the answer is JSON text, which the SDK parses', async () => {
    const whole = await client.chat.completions.create({ model: 'structured', messages: ask('city of lights'), response_format: { type: 'json_object' } });
    expect(JSON.parse(whole.choices[0].message.content!)).toEqual({ city: 'Lyon' });
    const parsed = await client.chat.completions.parse({ model: 'structured', messages: ask('city again'), response_format: zodResponseFormat(z.object({ city: z.string() }), 'place') });
    expect(parsed.choices[0].message.parsed).toEqual({ city: 'Lyon' });
    const streamed = client.chat.completions.stream({ model: 'structured', messages: ask('city streamed'), response_format: { type: 'json_object' } });
    expect(JSON.parse((await streamed.finalChatCompletion()).choices[0].message.content!)).toEqual({ city: 'Lyon' });
    // json_schema takes any JSON: a list from a transform
    const list = await client.chat.completions.create({ model: 'listing', messages: ask('abc'), response_format: { type: 'json_schema', json_schema: { name: 'pair' } } });
    expect(JSON.parse(list.choices[0].message.content!)).toEqual(['abc', 3]);
  });

  it('an answer that turns out not to be what was asked for (not JSON, or not an object for json_object) is a 502, not text the client would fail to parse', async () => {
    const notJson = await err(client.chat.completions.create({ model: 'passthrough', messages: ask('just words'), response_format: { type: 'json_object' } }));
    expect(notJson).toBeInstanceOf(OpenAI.InternalServerError);
    expect(notJson.status).toBe(502);
    expect(notJson.error).toMatchObject({ type: 'server_error', code: 'response_format_unmet', param: null });
    expect(notJson.message).toMatch(/the answer of run [0-9a-f-]{36} is not JSON/);
    const notObject = await err(client.chat.completions.create({ model: 'listing', messages: ask('abc'), response_format: { type: 'json_object' } }));
    expect(notObject.status).toBe(502);
    expect(notObject.message).toMatch(/is a JSON array, not the object response_format json_object asks for/);
    // Streamed: the stream ends with the error, and no answer text.
    const stream = await client.chat.completions.create({ model: 'passthrough', messages: ask('words again'), response_format: { type: 'json_object' }, stream: true });
    const contents: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) contents.push(chunk.choices[0].delta.content);
    })().then(() => undefined, (e) => e);
    expect(failure?.message).toMatch(/is not JSON/);
    expect(contents).toEqual([]);
    // A string that is JSON is answered as it is.
    const jsonString = await client.chat.completions.create({ model: 'passthrough', messages: ask('{"a": 1}'), response_format: { type: 'json_object' } });
    expect(jsonString.choices[0].message.content).toBe('{"a": 1}');
  });
});

describe('fields asking for what a pipeline does not give', () => {
  it('logprobs, top_logprobs, audio output: a 400 naming the field, and nothing runs; their off values are taken', async () => {
    const before = await runCount();
    const cases: [string, Record<string, unknown>][] = [
      ['logprobs', { logprobs: true }],
      ['top_logprobs', { top_logprobs: 3 }],
      ['modalities', { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'mp3' } }],
      ['audio', { audio: { voice: 'alloy', format: 'mp3' } }],
      ['function_call', { functions: [{ name: 'f', parameters: {} }], function_call: { name: 'f' } }],
    ];
    for (const [param, fields] of cases) {
      const refused = await err(client.chat.completions.create({ model: 'prose', messages: ask('x'), ...fields } as never));
      expect(refused, param).toBeInstanceOf(OpenAI.BadRequestError);
      expect(refused.param, param).toBe(param);
    }
    expect(await runCount()).toBe(before);
    const off = await client.chat.completions.create({ model: 'prose', messages: ask('off'), logprobs: false, top_logprobs: 0, modalities: ['text'], function_call: 'auto', audio: null } as never);
    expect(off.choices[0].message.content).toBe('stub says off');
  });
});

describe('a last user message with an image beside its text', () => {
  const parts = [
    { type: 'text' as const, text: 'what is in this picture?' },
    { type: 'image_url' as const, image_url: { url: 'https://example.com/cat.png' } },
  ];

  it('is a 400 at the image part when the pipeline would read only its text, rather than an answer that never saw the image', async () => {
    const before = await runCount();
    const refused = await err(client.chat.completions.create({ model: 'prose', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: parts }] }));
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused.param).toBe('messages[1].content[1]');
    expect(refused.error.code).toBe('content_unsupported');
    expect(refused.message).toMatch(/messages\[1\]\.content\[1\] is an image_url part: pipeline "prose" reads only the text of the last user message \(input "question"\)/);
    expect(await runCount()).toBe(before);
    // An image in an earlier turn is not read either way: only the last user message goes to the pipeline.
    const earlier = await client.chat.completions.create({ model: 'prose', messages: [{ role: 'user', content: parts }, { role: 'assistant', content: 'a cat' }, { role: 'user', content: 'thanks' }] });
    expect(earlier.choices[0].message.content).toBe('stub says thanks');
  });

  it('is taken by a pipeline with a json input named messages, which gets every part', async () => {
    const withMessages = {
      format: 'patchbay.pipeline/v1',
      name: 'sees-parts',
      nodes: [
        { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
        { id: 'm', type: 'input', config: { name: 'messages', valueType: 'json' } },
        { id: 't', type: 'transform', config: { expression: '$[-1].content[1].image_url.url' } },
        { id: 'out', type: 'output', config: { name: 'answer' } },
      ],
      edges: [
        { from: 'm.value', to: 't.value' },
        { from: 't.value', to: 'out.value' },
      ],
    };
    await runner.deploy(withMessages);
    const seen = await client.chat.completions.create({ model: 'sees-parts', messages: [{ role: 'user', content: parts }] });
    expect(seen.choices[0].message.content).toBe('https://example.com/cat.png');
  });
});

describe('sampling and other request fields', () => {
  it('of the wrong type or out of OpenAI\'s range: a 400 invalid_request_error naming the field in one line, and nothing runs', async () => {
    const before = await runCount();
    const cases: [string, unknown][] = [
      ['temperature', 'hot'],
      ['temperature', 2.5],
      ['top_p', 1.5],
      ['top_p', '0.9'],
      ['max_tokens', 0],
      ['max_tokens', 1.5],
      ['max_tokens', '100'],
      ['max_completion_tokens', -1],
      ['stop', 5],
      ['stop', ['a', 7]],
      ['stop', ['a', 'b', 'c', 'd', 'e']],
      ['seed', 1.5],
      ['seed', 'lucky'],
      ['user', 7],
      ['presence_penalty', 3],
      ['frequency_penalty', 'x'],
      ['logit_bias', 'x'],
      ['logit_bias', { '50256': 'never' }],
      ['parallel_tool_calls', 'yes'],
      ['store', 'yes'],
      ['service_tier', 3],
      ['reasoning_effort', 4],
      ['tools', 'lookup'],
    ];
    for (const [param, value] of cases) {
      for (const stream of [false, true]) {
        const what = `${param}: ${JSON.stringify(value)} stream=${stream}`;
        const refused = await err(client.chat.completions.create({ model: 'prose', messages: ask('x'), stream, [param]: value } as never));
        expect(refused, what).toBeInstanceOf(OpenAI.BadRequestError);
        expect(refused.error.type, what).toBe('invalid_request_error');
        // the field, or the part of it at fault (stop[1], logit_bias.50256)
        expect(refused.param?.split(/[.[]/)[0], what).toBe(param);
        // what the field takes, at its JSON path: "$.temperature: temperature is a number from 0 to 2"
        expect(refused.message, what).toMatch(new RegExp(`\\$\\.${param}\\S*: ${param} is `));
        expect(refused.message, what).not.toContain('\n');
      }
    }
    expect(await runCount()).toBe(before);
  });

  it('of the right type are taken (null too) and left to the pipeline: the answer is its own', async () => {
    const fields = {
      temperature: 0.7,
      top_p: 1,
      max_tokens: 50,
      max_completion_tokens: 50,
      stop: ['\n\n', 'END'],
      seed: 42,
      user: 'user-1',
      presence_penalty: -1,
      frequency_penalty: 2,
      logit_bias: { '50256': -100 },
      parallel_tool_calls: false,
      store: false,
      service_tier: 'auto',
      reasoning_effort: 'low',
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
    };
    const taken = await client.chat.completions.create({ model: 'prose', messages: ask('sampled'), ...fields } as never);
    expect(taken.choices[0].message.content).toBe('stub says sampled');
    // the pipeline's own node config is what reaches the model, not the request's
    expect(stub.requests.at(-1)!.body.temperature).toBeUndefined();
    const nulls = Object.fromEntries(['temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'seed', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'store'].map((f) => [f, null]));
    const withNulls = await client.chat.completions.create({ model: 'prose', messages: ask('nulls'), stop: 'one stop', ...nulls } as never);
    expect(withNulls.choices[0].message.content).toBe('stub says nulls');
  });
});
