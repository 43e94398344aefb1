import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { echoPipeline, sseEvents, startTestRunner, type TestRunner } from './support/test-runner';

let runner: TestRunner;
let stub: OpenAIStub;
let client: OpenAI;
const json = async (res: Response) => ({ status: res.status, body: await res.json() });

/** input `question` → llm on the stub (replies `stub says <prompt>`, streamed word by word) → output `answer`. */
function stubPipeline(name: string, tag: string) {
  const doc = echoPipeline(name, 'stub:model');
  doc.nodes[1].config.prompt = `${tag} {{ question }}`;
  return doc;
}

beforeAll(async () => {
  stub = await startOpenAIStub({
    handler: async (req) => {
      const last = req.body?.messages?.at(-1)?.content ?? '';
      return { text: `stub says ${last}`, usage: { prompt_tokens: 7, completion_tokens: 5 } };
    },
  });
  runner = await startTestRunner({ env: { STUB_BASE_URL: stub.url } });
  client = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });

  expect((await runner.post('/api/pipelines', stubPipeline('helpdesk', 'one'))).status).toBe(201);
  expect((await runner.post('/api/pipelines/helpdesk/versions', { document: stubPipeline('helpdesk', 'two'), message: 'v2', baseVersion: 1 })).status).toBe(201);
  expect((await runner.put('/api/pipelines/helpdesk/labels/production', { version: 1 })).status).toBe(200);
  expect((await runner.put('/api/pipelines/helpdesk/labels/staging', { version: 2 })).status).toBe(200);

  // A pipeline whose answer is not a model's text: a template over two inputs, one from metadata.
  const greet = {
    format: 'patchbay.pipeline/v1',
    name: 'greeter',
    nodes: [
      { id: 'who', type: 'input', config: { name: 'who', valueType: 'string' } },
      { id: 'times', type: 'input', config: { name: 'times', valueType: 'number' } },
      { id: 't', type: 'template', config: { template: 'hello {{ who }} x{{ times }}' } },
      { id: 'out', type: 'output', config: { name: 'greeting' } },
    ],
    edges: [
      { from: 'who.value', to: 't.who' },
      { from: 'times.value', to: 't.times' },
      { from: 't.text', to: 'out.value' },
    ],
  };
  await runner.deploy(greet);
});
afterAll(async () => {
  await runner.close();
  await stub.close();
});

describe('POST /api/pipelines/:name/run', () => {
  it('runs the production version by default, another label or a version when asked, and records source and label', async () => {
    const prod = await json(await runner.post('/api/pipelines/helpdesk/run', { inputs: { question: 'hi' } }));
    expect(prod).toMatchObject({ status: 200, body: { pipeline: 'helpdesk', version: 1, label: 'production', status: 'succeeded', outputs: { answer: 'stub says one hi' } } });
    const staging = await json(await runner.post('/api/pipelines/helpdesk/run', { inputs: { question: 'hi' }, label: 'staging' }));
    expect(staging.body).toMatchObject({ version: 2, label: 'staging', outputs: { answer: 'stub says two hi' } });
    const byVersion = await json(await runner.post('/api/pipelines/helpdesk/run', { inputs: { question: 'hi' }, version: 2 }));
    expect(byVersion.body).toMatchObject({ version: 2, label: null, outputs: { answer: 'stub says two hi' } });
    expect(upstreamFor('hi').stream).toBe(false);

    const run = (await json(await runner.api(`/api/runs/${prod.body.runId}`))).body;
    expect(run).toMatchObject({ pipeline: 'helpdesk', version: 1, source: 'serve', label: 'production', keyName: null, status: 'succeeded' });
    const served = (await json(await runner.api('/api/runs?pipeline=helpdesk&source=serve&label=staging'))).body;
    // A label no run can have been served under is a 400 saying why, not an empty list.
    for (const [label, reason] of [['Production', /a label is a slug: lowercase letters, digits and -/], ['v2', /"v2" reads as version 2.*filter by version with version=2/], ['x'.repeat(300), /a label is at most 64 characters \(this one has 300\)/]] as const) {
      const bad = await json(await runner.api(`/api/runs?label=${label}`));
      expect(bad.status, label).toBe(400);
      expect(bad.body.errors[0].path).toBe('query.label');
      expect(bad.body.detail).toMatch(reason);
    }
    expect(served.map((r: any) => r.id)).toEqual([staging.body.runId]);
  });

  it('streams the run as SSE with ?stream=true', async () => {
    const res = await runner.post('/api/pipelines/helpdesk/run?stream=true', { inputs: { question: 'stream me' } });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const types: string[] = [];
    let completed: any;
    for await (const e of sseEvents(res)) {
      types.push(e.event);
      if (e.event === 'run.completed') completed = JSON.parse(e.data);
    }
    expect(types[0]).toBe('run.started');
    expect(types).toContain('node.token');
    expect(completed.outputs).toEqual({ answer: 'stub says one stream me' });
  });

  // As POST /api/runs does: a client that asks for SSE by its Accept header (an EventSource-style client) gets the events.
  it('streams the run as SSE with Accept: text/event-stream, as POST /api/runs does; ?stream=false answers whole', async () => {
    const res = await runner.post('/api/pipelines/helpdesk/run', { inputs: { question: 'by accept' } }, { accept: 'text/event-stream' });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = [];
    for await (const e of sseEvents(res)) events.push(e);
    expect(events[0].event).toBe('run.started');
    expect(events.at(-1)!.event).toBe('run.completed');
    expect(JSON.parse(events.at(-1)!.data).outputs).toEqual({ answer: 'stub says one by accept' });
    for (const path of ['/api/pipelines/helpdesk/run?stream=false', '/api/runs?stream=false']) {
      const body = path.startsWith('/api/runs') ? { pipeline: 'helpdesk', inputs: { question: 'whole' } } : { inputs: { question: 'whole' } };
      const whole = await runner.post(path, body, { accept: 'text/event-stream' });
      expect(whole.headers.get('content-type'), path).toMatch(/^application\/json/);
    }
  });

  it('answers 404 label-not-set naming the labels there are, 404 for unknown pipelines and versions, 422 for inputs that do not fit', async () => {
    const unset = await json(await runner.post('/api/pipelines/helpdesk/run', { inputs: { question: 'x' }, label: 'canary' }));
    expect(unset.status).toBe(404);
    expect(unset.body).toMatchObject({ type: 'urn:patchbay:problem:label-not-set', labels: ['production', 'staging'] });
    expect(unset.body.detail).toMatch(/no label "canary"; its labels: production, staging/);
    expect((await runner.post('/api/pipelines', echoPipeline('unlabelled'))).status).toBe(201);
    const none = await json(await runner.post('/api/pipelines/unlabelled/run', { inputs: { question: 'x' } }));
    expect(none.status).toBe(404);
    // A pipeline saved but never labelled is still servable: the answer says how.
    expect(none.body.detail).toBe('pipeline "unlabelled" has no label "production"; it has no labels yet (serve a version by number: "unlabelled@v1" as a /v1 model, "version": 1 in a run\'s body) ($.label)');
    expect((await runner.post('/api/pipelines/nope/run', { inputs: {} })).status).toBe(404);
    expect((await runner.post('/api/pipelines/helpdesk/run', { inputs: {}, version: 7 })).status).toBe(404);
    const bad = await json(await runner.post('/api/pipelines/helpdesk/run', { inputs: { nope: 1 } }));
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toMatch(/inputs do not fit/);
    expect((await runner.post('/api/pipelines/helpdesk/run', { inputs: {}, label: 'staging', version: 1 })).status).toBe(400);
  });

  it('refuses a field it does not know (a misspelt "label") rather than serving production', async () => {
    const res = await runner.post('/api/pipelines/helpdesk/run', { inputs: { question: 'x' }, lable: 'staging' });
    expect(res.status).toBe(400);
    const problem = await res.json();
    expect(problem.detail).toMatch(/unknown field "lable"/);
    expect(problem.errors[0].path).toBe('$');
  });

  it('says why a label is refused (a version written as a label, too long, not a slug), at $.label', async () => {
    const refused = async (label: string) => {
      const res = await runner.post('/api/pipelines/helpdesk/run', { inputs: { question: 'x' }, label });
      expect(res.status, label).toBe(400);
      const problem = await res.json();
      expect(problem.errors[0].path).toBe('$.label');
      return problem.detail as string;
    };
    expect(await refused('v2')).toMatch(/"v2" reads as version 2.*give "version": 2/);
    expect(await refused('2')).toMatch(/"2" reads as version 2.*give "version": 2/);
    expect(await refused('x'.repeat(300))).toMatch(/at most 64 characters \(this one has 300\)/);
    expect(await refused('Production')).toMatch(/lowercase letters, digits and -/);
  });
});

/** The body of the last chat request the stub received whose last message says `text`. */
function upstreamFor(text: string) {
  const request = stub.requests.findLast((r) => r.path === '/v1/chat/completions' && JSON.stringify(r.body.messages.at(-1)).includes(text));
  expect(request, `no upstream request for "${text}"`).toBeDefined();
  return request!.body;
}

describe('the OpenAI-compatible endpoint, through the official openai client', () => {
  it('answers a chat completion from the production label, with usage and the run id', async () => {
    const { data: completion, response } = await client.chat.completions.create({ model: 'helpdesk', messages: [{ role: 'system', content: 'be nice' }, { role: 'user', content: 'where is my order' }] }).withResponse();
    expect(completion.object).toBe('chat.completion');
    // as on a streamed answer (and exposed to a --cors chat UI)
    expect(response.headers.get('x-run-id')).toBe(completion.id);
    expect(completion.choices[0].message).toMatchObject({ role: 'assistant', content: 'stub says one where is my order' });
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.usage).toEqual({ prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 });
    const run = (await json(await runner.api(`/api/runs/${completion.id}`))).body;
    expect(run).toMatchObject({ source: 'openai', label: 'production', version: 1, inputs: { question: 'where is my order' } });
    // An answer sent whole is fetched whole: no one reads its tokens, so the model is not asked to stream them.
    expect(upstreamFor('where is my order').stream).toBe(false);
  });

  it('serves NAME@LABEL and NAME@vN', async () => {
    const staging = await client.chat.completions.create({ model: 'helpdesk@staging', messages: [{ role: 'user', content: 'hey' }] });
    expect(staging.choices[0].message.content).toBe('stub says two hey');
    const v1 = await client.chat.completions.create({ model: 'helpdesk@v1', messages: [{ role: 'user', content: [{ type: 'text', text: 'parts' }] }] });
    expect(v1.choices[0].message.content).toBe('stub says one parts');
    expect((await json(await runner.api(`/api/runs/${v1.id}`))).body).toMatchObject({ label: null, version: 1 });
  });

  it("streams the model node's tokens as they come, then a stop chunk with usage, then [DONE]", async () => {
    const stream = await client.chat.completions.create({ model: 'helpdesk', messages: [{ role: 'user', content: 'tell me a b c' }], stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe('stub says one tell me a b c');
    expect(upstreamFor('tell me a b c').stream).toBe(true);
    // Several content chunks: the tokens, not the whole answer at the end.
    expect(chunks.filter((c) => c.choices[0]?.delta?.content).length).toBeGreaterThan(3);
    const last = chunks.at(-1)!;
    expect(last.choices[0].finish_reason).toBe('stop');
    expect(last.usage).toEqual({ prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
  });

  it("with stream_options.include_usage, ends as OpenAI does: usage only on a last chunk with empty choices, so a client adding up chunks counts it once", async () => {
    const usage = { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 };
    const stream = await client.chat.completions.create({ model: 'helpdesk', messages: [{ role: 'user', content: 'count me' }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const stop = chunks.findIndex((c) => c.choices[0]?.finish_reason === 'stop');
    // The last chunk, after the stop chunk: no choices, the usage, the same id (what OpenAI sends and SDKs read).
    expect(stop).toBe(chunks.length - 2);
    expect(chunks.at(-1)).toMatchObject({ id: chunks[0].id, object: 'chat.completion.chunk', choices: [], usage });
    // Every other chunk, the stop chunk too, says usage: null, as OpenAI's do when usage is asked for
    // (LangChain and others add up each chunk's usage: on the stop chunk too, it counted twice).
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);

    // The SDK's stream helper and its final completion.
    const helper = client.chat.completions.stream({ model: 'helpdesk', messages: [{ role: 'user', content: 'count me again' }], stream_options: { include_usage: true } });
    const final = await helper.finalChatCompletion();
    expect(final.choices[0].message.content).toBe('stub says one count me again');
    expect(final.usage).toEqual(usage);

    // Not asked for: the stop chunk is the last, as the deploy issue spells it.
    const plain = await client.chat.completions.create({ model: 'helpdesk', messages: [{ role: 'user', content: 'count me not' }], stream: true, stream_options: { include_usage: false } });
    const plainChunks = [];
    for await (const chunk of plain) plainChunks.push(chunk);
    expect(plainChunks.at(-1)).toMatchObject({ choices: [{ finish_reason: 'stop' }], usage });
    expect(plainChunks.every((c) => c.choices.length === 1)).toBe(true);
  });

  it('fills other inputs from metadata (parsed by type) and streams an answer not made by a model as one chunk', async () => {
    const whole = await client.chat.completions.create({ model: 'greeter', messages: [{ role: 'user', content: 'Ada' }], metadata: { times: '3' } });
    expect(whole.choices[0].message.content).toBe('hello Ada x3');
    // A client's own tags in metadata (no input of that name) are left alone, not refused.
    const tagged = await client.chat.completions.create({ model: 'greeter', messages: [{ role: 'user', content: 'Ada' }], metadata: { times: '3', crm_ticket: 'T-42' } });
    expect(tagged.choices[0].message.content).toBe('hello Ada x3');
    const stream = await client.chat.completions.create({ model: 'greeter', messages: [{ role: 'user', content: 'Bo' }], metadata: { times: '2' }, stream: true });
    const contents: string[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) contents.push(chunk.choices[0].delta.content);
    expect(contents).toEqual(['hello Bo x2']);
  });

  it('lists servable pipelines as models', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['greeter', 'greeter@production', 'helpdesk', 'helpdesk@production', 'helpdesk@staging']);
  });

  it('retrieves one model (GET /v1/models/ID, the SDK\'s models.retrieve) by any id a chat can call, and 404 model_not_found as a chat says it', async () => {
    const listed = new Map<string, number>();
    for await (const model of client.models.list()) listed.set(model.id, model.created);
    for (const [id, created] of listed) expect(await client.models.retrieve(id), id).toEqual({ id, object: 'model', created, owned_by: 'patchbay' });
    // A version is called, so it can be retrieved, though it is not listed; created is when it was saved.
    const v2 = await client.models.retrieve('helpdesk@v2');
    const saved = (await (await runner.api('/api/pipelines/helpdesk/versions')).json()).find((v: any) => v.number === 2);
    expect(v2).toEqual({ id: 'helpdesk@v2', object: 'model', created: Math.floor(Date.parse(saved.createdAt) / 1000), owned_by: 'patchbay' });

    const err = async (p: Promise<unknown>) => p.then(() => undefined, (e) => e);
    for (const id of ['nope', 'helpdesk@canary', 'helpdesk@v01', 'helpdesk@v9', 'helpdesk@1', '@v0', 'a/b', `helpdesk@${'x'.repeat(400)}`]) {
      const chat = await err(client.chat.completions.create({ model: id, messages: [{ role: 'user', content: 'x' }] }));
      const retrieved = await err(client.models.retrieve(id));
      expect(retrieved, id).toBeInstanceOf(OpenAI.NotFoundError);
      expect(retrieved.error, id).toEqual({ message: id.length > 300 ? expect.stringMatching(/has no label "x+"/) : chat.error.message, type: 'invalid_request_error', code: 'model_not_found', param: 'model' });
    }
  });

  it("answers errors in OpenAI's shape with the right status", async () => {
    const err = async (p: Promise<unknown>) => p.then(() => undefined, (e) => e);
    const unknown = await err(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }));
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown.error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found' });
    expect(unknown.message).toMatch(/no pipeline "nope"/);
    const unset = await err(client.chat.completions.create({ model: 'helpdesk@canary', messages: [{ role: 'user', content: 'x' }] }));
    expect(unset).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unset.message).toMatch(/its labels: production, staging/);
    const missing = await err(client.chat.completions.create({ model: 'greeter', messages: [{ role: 'user', content: 'x' }] }));
    expect(missing).toBeInstanceOf(OpenAI.BadRequestError);
    expect(missing.message).toMatch(/needs input "times" \(number\).*metadata/);
    const badMeta = await err(client.chat.completions.create({ model: 'greeter', messages: [{ role: 'user', content: 'x' }], metadata: { times: 'many' } }));
    expect(badMeta).toBeInstanceOf(OpenAI.BadRequestError);
    expect(badMeta.message).toMatch(/metadata\.times/);
    expect(missing.error).toMatchObject({ code: 'input_missing' });
    // `param` names the field at fault, as OpenAI's errors do, so a client can point at it.
    expect([unknown.param, missing.param, badMeta.param]).toEqual(['model', 'metadata', 'metadata.times']);
    const noUser = await err(client.chat.completions.create({ model: 'helpdesk', messages: [{ role: 'system', content: 'x' }] }));
    expect(noUser).toBeInstanceOf(OpenAI.BadRequestError);
    expect(noUser.param).toBe('messages');

    // Two outputs and none named "answer": the pipeline's outputs are the trouble, and the code says so.
    const twoOutputs = {
      format: 'patchbay.pipeline/v1',
      name: 'two-outputs',
      nodes: [
        { id: 'who', type: 'input', config: { name: 'who', valueType: 'string' } },
        { id: 'a', type: 'output', config: { name: 'greeting' } },
        { id: 'b', type: 'output', config: { name: 'shout' } },
      ],
      edges: [
        { from: 'who.value', to: 'a.value' },
        { from: 'who.value', to: 'b.value' },
      ],
    };
    await runner.deploy(twoOutputs);
    const unclear = await err(client.chat.completions.create({ model: 'two-outputs', messages: [{ role: 'user', content: 'x' }] }));
    expect(unclear).toBeInstanceOf(OpenAI.BadRequestError);
    expect(unclear.error).toMatchObject({ type: 'invalid_request_error', code: 'output_unclear' });
    expect(unclear.message).toMatch(/has 2 outputs \(greeting, shout\) and none named "answer"/);

    // A version past 2^53 is not rounded to another number in the answer.
    const huge = await err(client.chat.completions.create({ model: 'helpdesk@v99999999999999999999', messages: [{ role: 'user', content: 'x' }] }));
    expect(huge).toBeInstanceOf(OpenAI.NotFoundError);
    expect(huge.message).toMatch(/no version 99999999999999999999/);
    // `v` and digits is a version (no label can look like one): @v0 names version 0, not a label.
    const zero = await err(client.chat.completions.create({ model: 'helpdesk@v0', messages: [{ role: 'user', content: 'x' }] }));
    expect(zero).toBeInstanceOf(OpenAI.NotFoundError);
    expect(zero.message).toMatch(/pipeline "helpdesk" has no version 0 \(latest is \d+\)/);
    // A model id is an exact string (a client keys its settings and logs by it): another spelling of
    // version 1 is not helpdesk@v1, and the refusal names the id to use.
    // helpdesk@1 too: the CLI reads it as version 1, and no label is all digits, so it is never a label "1" here.
    for (const model of ['helpdesk@v01', 'helpdesk@v1.0', 'helpdesk@V1', 'helpdesk@v+1', 'helpdesk@1', 'helpdesk@01']) {
      const spelt = await err(client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }));
      expect(spelt, model).toBeInstanceOf(OpenAI.NotFoundError);
      expect(spelt.error, model).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found' });
      expect(spelt.error.message, model).toBe(`there is no model "${model}": version 1 is "helpdesk@v1"`);
    }
    const zeros = await err(client.chat.completions.create({ model: 'helpdesk@v00', messages: [{ role: 'user', content: 'x' }] }));
    expect(zeros).toBeInstanceOf(OpenAI.NotFoundError);
    expect(zeros.error.message).toBe('there is no model "helpdesk@v00": name a pipeline as NAME, NAME@LABEL or NAME@vN (versions count from v1)');

    const raw = await runner.post('/v1/chat/completions', { model: 'helpdesk', messages: [] });
    expect(raw.status).toBe(400);
    const body = await raw.json();
    expect(body.error).toMatchObject({ type: 'invalid_request_error' });
    expect(body.error.message).toMatch(/\$\.messages/);
    expect(body.error.param).toBe('messages');
  });

  it('refuses n other than 1 (400 at $.n) rather than answering one choice to a client that reads several', async () => {
    const before = (await (await runner.api('/api/runs?source=openai&limit=1000')).json()).length;
    for (const n of [2, 0, 1.5]) {
      const refused = await client.chat.completions.create({ model: 'helpdesk', n, messages: [{ role: 'user', content: 'x' }] }).then(() => undefined, (e) => e);
      expect(refused, String(n)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(refused.message).toMatch(/\$\.n: .*one choice/);
    }
    expect((await (await runner.api('/api/runs?source=openai&limit=1000')).json()).length).toBe(before);
    const one = await client.chat.completions.create({ model: 'helpdesk', n: 1, messages: [{ role: 'user', content: 'just one' }] });
    expect(one.choices).toHaveLength(1);
  });

  it('answers a run that failed with 502 run_failed carrying X-Run-Id, as every answer does, so the client can open its trace', async () => {
    const doc = echoPipeline('breaks', 'offline:no-such-model');
    await runner.deploy(doc);
    const failed = await client.chat.completions.create({ model: 'breaks', messages: [{ role: 'user', content: 'x' }] }).then(() => undefined, (e) => e);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect(failed.status).toBe(502);
    expect(failed.error).toMatchObject({ type: 'server_error', code: 'run_failed', param: null });
    const runId = failed.headers.get('x-run-id');
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(failed.message).toContain(runId);
    const run = await (await runner.api(`/api/runs/${runId}`)).json();
    expect(run).toMatchObject({ pipeline: 'breaks', status: 'failed', source: 'openai', label: 'production' });
  });

  it('refuses a tool_choice that makes a tool call the answer (400 at $.tool_choice) rather than answering text to a client that waits for the call', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }];
    const before = (await (await runner.api('/api/runs?source=openai&limit=1000')).json()).length;
    for (const toolChoice of ['required', { type: 'function', function: { name: 'lookup' } }] as const) {
      const refused = await client.chat.completions.create({ model: 'helpdesk', tools, tool_choice: toolChoice, messages: [{ role: 'user', content: 'x' }] }).then(() => undefined, (e) => e);
      expect(refused, JSON.stringify(toolChoice)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(refused.param).toBe('tool_choice');
      expect(refused.message).toMatch(/\$\.tool_choice: a pipeline answers with its output's text and calls none of the request's tools/);
    }
    expect((await (await runner.api('/api/runs?source=openai&limit=1000')).json()).length).toBe(before);
    // tools offered, with the choice left to the model ("auto", the default) or "none": answered, with text.
    for (const toolChoice of [undefined, 'auto', 'none'] as const) {
      const answered = await client.chat.completions.create({ model: 'helpdesk', tools, tool_choice: toolChoice, messages: [{ role: 'user', content: 'tools' }] });
      expect(answered.choices[0].message.content).toBe('stub says one tools');
    }
  });

  it("gives the user's message to the one string input even when it has a default, rather than answering the default", async () => {
    const defaulted = {
      format: 'patchbay.pipeline/v1',
      name: 'defaulted',
      nodes: [
        { id: 'q', type: 'input', config: { name: 'question', valueType: 'string', default: 'the default question' } },
        { id: 't', type: 'template', config: { template: 'you asked: {{ question }}' } },
        { id: 'out', type: 'output', config: { name: 'answer' } },
      ],
      edges: [
        { from: 'q.value', to: 't.question' },
        { from: 't.text', to: 'out.value' },
      ],
    };
    await runner.deploy(defaulted);
    const reply = await client.chat.completions.create({ model: 'defaulted', messages: [{ role: 'user', content: 'my real question' }] });
    expect(reply.choices[0].message.content).toBe('you asked: my real question');
    // metadata still names it outright
    const given = await client.chat.completions.create({ model: 'defaulted', messages: [{ role: 'user', content: 'x' }], metadata: { question: 'from metadata' } });
    expect(given.choices[0].message.content).toBe('you asked: from metadata');

    // Two such inputs: which one takes the message is not guessed.
    const two = structuredClone(defaulted);
    two.nodes.push({ id: 'tone', type: 'input', config: { name: 'tone', valueType: 'string', default: 'plain' } });
    two.edges.push({ from: 'tone.value', to: 't.tone' });
    two.nodes[1].config = { template: 'you asked: {{ question }} ({{ tone }})' };
    expect((await runner.post('/api/pipelines/defaulted/versions', { document: two, message: 'tone', baseVersion: 1 })).status).toBe(201);
    const ambiguous = await client.chat.completions.create({ model: 'defaulted@v2', messages: [{ role: 'user', content: 'x' }] }).then(() => undefined, (e) => e);
    expect(ambiguous).toBeInstanceOf(OpenAI.BadRequestError);
    expect(ambiguous.message).toMatch(/string inputs "question", "tone", none required.*give all but one in metadata/);
    const picked = await client.chat.completions.create({ model: 'defaulted@v2', messages: [{ role: 'user', content: 'which tone?' }], metadata: { tone: 'warm' } });
    expect(picked.choices[0].message.content).toBe('you asked: which tone? (warm)');
  });

  it('refuses message content that is not text (400 with its JSON path) instead of running the pipeline on an empty or "[object Object]" question', async () => {
    const send = async (messages: unknown[]) => {
      const res = await runner.post('/v1/chat/completions', { model: 'helpdesk', messages });
      return { status: res.status, error: (await res.json()).error };
    };
    const before = (await (await runner.api('/api/runs?source=openai&limit=1000')).json()).length;
    const number = await send([{ role: 'user', content: 42 }]);
    expect(number).toMatchObject({ status: 400, error: { type: 'invalid_request_error' } });
    expect(number.error.message).toMatch(/\$\.messages\[0\]\.content: .*string or a list of content parts/);
    const part = await send([{ role: 'user', content: [{ type: 'text', text: { nested: true } }] }]);
    expect(part.status).toBe(400);
    expect(part.error.message).toMatch(/\$\.messages\[0\]\.content\[0\]\.text/);
    for (const last of [{ role: 'user', content: null }, { role: 'user' }, { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }]) {
      const none = await send([{ role: 'user', content: 'earlier' }, last]);
      expect(none.status, JSON.stringify(last)).toBe(400);
      expect(none.error.message).toMatch(/last user message has no text/);
    }
    expect((await (await runner.api('/api/runs?source=openai&limit=1000')).json()).length).toBe(before);
    // An assistant turn with tool calls has null content, as OpenAI clients send it; text parts are joined.
    const fine = await runner.post('/v1/chat/completions', {
      model: 'helpdesk',
      messages: [{ role: 'assistant', content: null, tool_calls: [] }, { role: 'user', content: [{ type: 'text', text: 'par' }, { type: 'text', text: 'ts' }] }],
    });
    expect(fine.status).toBe(200);
    expect((await fine.json()).choices[0].message.content).toBe('stub says one parts');
  });
});

describe('/v1 paths that are not served', () => {
  it("answer in OpenAI's shape, never with the editor's page, even when the editor is built", async () => {
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-dist-'));
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>editor</title>');
    const withEditor = await startTestRunner({ editorDist: dist });
    try {
      const sdk = new OpenAI({ baseURL: `${withEditor.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
      const retrieved = await sdk.models.retrieve('helpdesk').then(() => undefined, (e) => e);
      expect(retrieved).toBeInstanceOf(OpenAI.NotFoundError);
      expect(retrieved.error).toMatchObject({ type: 'invalid_request_error' });

      const wrongMethod = await withEditor.api('/v1/chat/completions');
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toBe('POST');
      expect(wrongMethod.headers.get('content-type')).toBe('application/json');
      expect((await wrongMethod.json()).error).toMatchObject({ type: 'invalid_request_error', message: expect.stringMatching(/GET is not allowed on \/v1\/chat\/completions/) });
      const postModels = await withEditor.post('/v1/models', {});
      expect(postModels.status).toBe(405);
      expect((await postModels.json()).error.message).toMatch(/allowed: GET/);
      for (const p of ['/v1', '/v1/', '/v1/nothing/here']) {
        const res = await withEditor.api(p);
        expect(res.status, p).toBe(404);
        expect((await res.json()).error, p).toMatchObject({ type: 'invalid_request_error' });
      }
    } finally {
      await withEditor.close();
      fs.rmSync(dist, { recursive: true, force: true });
    }
  });
});

describe('/v1 from a browser chat UI on a --cors origin', () => {
  it('answers the preflight and the call with CORS headers for that origin, and none for another', async () => {
    const chatUi = 'https://chat.example';
    const open = await startTestRunner({ cors: [chatUi], env: { STUB_BASE_URL: stub.url } });
    try {
      await open.deploy(stubPipeline('helpdesk', 'one'));
      const preflight = await open.api('/v1/chat/completions', {
        method: 'OPTIONS',
        // what the openai SDK asks for in a browser
        headers: { origin: chatUi, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-stainless-os,x-stainless-retry-count' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(chatUi);
      const allowedHeaders = preflight.headers.get('access-control-allow-headers')?.toLowerCase().split(/\s*,\s*/);
      expect(allowedHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-stainless-os', 'x-stainless-retry-count']));
      const call = await open.post('/v1/chat/completions', { model: 'helpdesk', messages: [{ role: 'user', content: 'from the browser' }] }, { origin: chatUi });
      expect(call.status).toBe(200);
      expect(call.headers.get('access-control-allow-origin')).toBe(chatUi);
      expect((await call.json()).choices[0].message.content).toBe('stub says one from the browser');
      const models = await open.api('/v1/models', { headers: { origin: chatUi } });
      expect(models.headers.get('access-control-allow-origin')).toBe(chatUi);

      const other = await open.api('/v1/chat/completions', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await open.close();
    }
  });
});
