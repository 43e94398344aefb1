import { describe, expect, it } from 'vitest';
import type { ChatMessage, ChatRequest } from '../src/engine/services';
import { HASH_DIMENSION, createModelService, createOfflineProvider, type Provider } from '../src/node/index';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const system = (content: string): ChatMessage => ({ role: 'system', content });
const request = (model: string, messages: ChatMessage[], extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: `offline:${model}`,
  messages,
  ...extra,
});
const chat = (provider: Provider, model: string, messages: ChatMessage[], extra: Partial<ChatRequest> = {}) =>
  provider.chat(model, request(model, messages, extra));

const offline = createOfflineProvider();

describe('offline:echo', () => {
  it('answers with the last user message, streamed in chunks that add up to it', async () => {
    const tokens: string[] = [];
    const result = await offline.chat(
      'echo',
      request('echo', [system('be brief'), user('first'), { role: 'assistant', content: 'ok' }, user('say the magic words please')]),
      { onToken: (t) => tokens.push(t) },
    );
    expect(result.text).toBe('say the magic words please');
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.join('')).toBe(result.text);
    expect(result.costUsd).toBe(0);
    expect(result.toolCalls).toEqual([]);
  });

  it('counts tokens as whitespace words', async () => {
    const result = await chat(offline, 'echo', [system('two words'), user('three more  words')]);
    expect(result.usage).toEqual({ promptTokens: 5, completionTokens: 3, totalTokens: 8 });
  });

  it('honours stop and maxTokens', async () => {
    expect((await chat(offline, 'echo', [user('one two three four')], { maxTokens: 2 })).text).toBe('one two');
    expect((await chat(offline, 'echo', [user('alpha. END beta')], { stop: ['END'] })).text).toBe('alpha. ');
  });

  it('stops when its signal aborts mid-stream', async () => {
    const controller = new AbortController();
    const reply = offline.chat('echo', request('echo', [user('a b c d e f g h')]), {
      signal: controller.signal,
      onToken: () => controller.abort(new Error('user cancelled')),
    });
    await expect(reply).rejects.toThrow('user cancelled');
  });
});

describe('offline:extractive', () => {
  const context =
    'Refunds are accepted within 30 days of purchase. Shipping takes 5 business days. ' +
    'Support is open Monday to Friday.';

  it('returns the sentence sharing the most weighted terms with the question after "Question:"', async () => {
    const result = await chat(offline, 'extractive', [user(`${context}\nQuestion: How many days does shipping take?`)]);
    expect(result.text).toBe('Shipping takes 5 business days.');
  });

  it('reads the context from the system message too, and takes the last line as the question without "Question:"', async () => {
    const result = await chat(offline, 'extractive', [system(context), user('When is support open?')]);
    expect(result.text).toBe('Support is open Monday to Friday.');
  });

  it('folds plurals: "refund" finds "Refunds"', async () => {
    const result = await chat(offline, 'extractive', [user(`${context}\nQuestion: what is the refund window?`)]);
    expect(result.text).toBe('Refunds are accepted within 30 days of purchase.');
  });

  it('weights rare terms above common ones (BM25), not just counts them', async () => {
    const docs = [
      'The blue car is fast.',
      'The blue boat is slow.',
      'The blue plane is loud.',
      'A zeppelin is a kind of airship.',
    ].join('\n');
    // "blue" is in three sentences, "zeppelin" in one: the rare term decides
    const result = await chat(offline, 'extractive', [user(`${docs}\nQuestion: blue zeppelin`)]);
    expect(result.text).toBe('A zeppelin is a kind of airship.');
  });

  it('takes the earliest sentence on a tie', async () => {
    const result = await chat(offline, 'extractive', [user('Cats like milk.\nDogs like milk.\nQuestion: who likes milk?')]);
    expect(result.text).toBe('Cats like milk.');
  });

  it("says I don't know. when no sentence shares a term, and stop words do not count as shared", async () => {
    const result = await chat(offline, 'extractive', [user(`${context}\nQuestion: what is the capital of Peru?`)]);
    expect(result.text).toBe("I don't know.");
  });

  it('never answers with a Markdown heading or another line that is no sentence', async () => {
    // The demo's case warranty-length: the heading shares "warranty" with the question and is shorter.
    const doc = '# Warranty\n\nEvery Brightloom Hub has a two-year limited warranty from the date of delivery. Water damage is not covered.';
    const result = await chat(offline, 'extractive', [user(`${doc}\nQuestion: How long is the warranty?`)]);
    expect(result.text).toBe('Every Brightloom Hub has a two-year limited warranty from the date of delivery.');
    const setext = 'Shipping\n========\n\n---\n```\nshipping\n```\nShipping parcels leave the warehouse daily.';
    const other = await chat(offline, 'extractive', [user(`${setext}\nQuestion: shipping?`)]);
    expect(other.text).toBe('Shipping parcels leave the warehouse daily.');
    const onlyHeading = await chat(offline, 'extractive', [user('## Shipping\nQuestion: shipping?')]);
    expect(onlyHeading.text).toBe("I don't know.");
  });

  it('never answers with the question itself', async () => {
    const result = await chat(offline, 'extractive', [user('Question: where is the shipping office?')]);
    expect(result.text).toBe("I don't know.");
  });
});

describe('offline:scripted', () => {
  const scripted = createOfflineProvider({
    scripted: [
      { match: 'weather in (\\w+)', toolCalls: [{ name: 'weather', arguments: { city: '$1', note: ['in $1'] } }] },
      { role: 'tool', match: '"forecast":"(\\w+)"', reply: 'Expect $1.' },
      { match: '^hello (\\w+)', reply: 'Hi $1, costs $$5.' },
      { role: 'system', match: 'pirate', reply: 'Arr.' },
    ],
  });

  it('replies by the first matching rule, with $1 as the first group', async () => {
    expect((await chat(scripted, 'scripted', [user('hello Ada')])).text).toBe('Hi Ada, costs $5.');
  });

  it('turns a rule with toolCalls into function calls, $1 filled into the arguments', async () => {
    const result = await chat(scripted, 'scripted', [user('What is the weather in Oslo?')]);
    expect(result.text).toBe('');
    expect(result.toolCalls).toEqual([{ id: 'call_1', name: 'weather', arguments: '{"city":"Oslo","note":["in Oslo"]}' }]);
  });

  it('matches a rule with a role against the last message of that role in the turn', async () => {
    const messages: ChatMessage[] = [
      user('What is the weather in Oslo?'),
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' }] },
      { role: 'tool', content: '{"city":"Oslo","forecast":"snow"}', toolCallId: 'call_1' },
    ];
    const result = await chat(scripted, 'scripted', messages);
    expect(result).toMatchObject({ text: 'Expect snow.', toolCalls: [] });
  });

  it('matches system rules against the system message', async () => {
    expect((await chat(scripted, 'scripted', [system('talk like a pirate'), user('anything')])).text).toBe('Arr.');
  });

  it("answers I don't know. when no rule matches", async () => {
    expect((await chat(scripted, 'scripted', [user('tell me a joke')])).text).toBe("I don't know.");
  });

  it('names the rule whose regex is invalid', () => {
    expect(() => createOfflineProvider({ scripted: [{ match: 'ok' }, { match: '(' }] })).toThrow(/rule 1: "match" is not a valid regular expression/);
  });
});

describe('offline:hash', () => {
  const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i], 0);

  it('is deterministic and L2-normalised, with a fixed dimension', async () => {
    const [a, b, empty] = await offline.embed('hash', ['refund policy for orders', 'refund policy for orders', '']);
    expect(a).toEqual(b);
    expect(a).toHaveLength(HASH_DIMENSION);
    expect(Math.hypot(...a)).toBeCloseTo(1, 10);
    expect(Math.hypot(...empty)).toBeCloseTo(1, 10);
    // a fresh provider gives the same vector: nothing depends on state or run
    expect((await createOfflineProvider().embed('hash', ['refund policy for orders']))[0]).toEqual(a);
  });

  it('puts similar texts closer than unrelated ones', async () => {
    const [query, similar, unrelated] = await offline.embed('hash', [
      'how do I get a refund for my order',
      'refunds for orders are issued within 30 days',
      'the mountain trail is closed in winter',
    ]);
    expect(cosine(query, similar)).toBeGreaterThan(cosine(query, unrelated) + 0.2);
  });
});

describe('offline errors and the model service', () => {
  it('lists the offline models for an unknown one', async () => {
    await expect(chat(offline, 'gpt-4', [user('hi')])).rejects.toThrow(
      'unknown offline model "gpt-4"; offline models: offline:echo, offline:extractive, offline:scripted, offline:hash',
    );
  });

  it('refuses chat on the embedding model and embeddings from a chat model', async () => {
    await expect(chat(offline, 'hash', [user('hi')])).rejects.toThrow(/offline:hash is an embedding model and cannot chat/);
    await expect(offline.embed('echo', ['hi'])).rejects.toThrow('offline:echo is a chat model and cannot embed; use offline:hash');
  });

  it('dispatches "provider:model" at the first colon and keeps the full name in the result', async () => {
    const seen: string[] = [];
    const recorder: Provider = {
      chat: async (model, req) => (seen.push(model), { text: 'ok', toolCalls: [], usage: null, costUsd: null, model }),
      embed: async (model) => (seen.push(model), [[1]]),
    };
    const models = createModelService({ offline, local: recorder });
    expect((await models.chat(request('echo', [user('hi')]))).model).toBe('offline:echo');
    const result = await models.chat({ model: 'local:llama3.1:8b', messages: [user('hi')] });
    expect(result.model).toBe('local:llama3.1:8b');
    await models.embed('local:nomic:v1', ['x']);
    expect(seen).toEqual(['llama3.1:8b', 'nomic:v1']);
  });

  it('names the configured providers for an unknown one, and refuses a name without a provider', async () => {
    const models = createModelService({ offline, openai: offline });
    await expect(models.chat({ model: 'fireworks:llama', messages: [user('hi')] })).rejects.toThrow(
      'unknown model provider "fireworks" in "fireworks:llama"; configured: offline, openai',
    );
    await expect(models.embed('hash', ['x'])).rejects.toThrow('model "hash" must be named "<provider>:<model>"');
  });
});
