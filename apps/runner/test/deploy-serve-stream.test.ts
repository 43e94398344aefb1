import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';
import { runCli } from './cli-child';

/** `stream: true` on /v1/chat/completions, read with the official openai client: what the client reads is the run's answer. */

let runner: TestRunner;
let stub: OpenAIStub;
let client: OpenAI;
const attempts = new Map<string, number>();

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
  stub = await startOpenAIStub({
    handler: async (req) => {
      const said: string = req.body?.messages?.at(-1)?.content ?? '';
      // "late …": the reply starts after a pause; "stall …": half the reply, then nothing
      if (said.startsWith('late')) await new Promise((resolve) => setTimeout(resolve, 600));
      // "retry …": the first call stalls half-way (the node's timeout retries it), the next answers; "retry-same" answers alike
      if (said.startsWith('retry')) {
        const first = (attempts.get(said) ?? 0) === 0;
        attempts.set(said, (attempts.get(said) ?? 0) + 1);
        const again = said.startsWith('retry-same') ? 'first words then the rest of it' : 'a second answer';
        return first ? { hang: 'mid-stream', text: 'first words then the rest of it' } : { text: again };
      }
      if (said.startsWith('stall')) return { hang: req.body?.stream ? 'mid-stream' : 'before-response', text: `stub says ${said} and more words to come` };
      return { text: `stub says ${said}` };
    },
  });
  runner = await startTestRunner({ env: { STUB_BASE_URL: stub.url } });
  client = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
});
afterAll(async () => {
  await runner.close();
  await stub.close();
});

describe('a streamed chat completion', () => {
  it('carries every token of a model that answers at once (offline:echo), not only those after the stream opened', async () => {
    await runner.deploy(echoPipeline('echo'));
    const question = 'one two three four five six';
    const { text, id } = await streamedText('echo', question);
    const run = await (await runner.api(`/api/runs/${id}`)).json();
    expect(run.outputs).toEqual({ answer: question });
    expect(text).toBe(question);
  });
});

describe('a streamed answer whose model node is retried after part of it went out', () => {
  /** The echo pipeline with its model node retried once after a 1 s timeout. */
  const retried = (name: string) => {
    const doc = echoPipeline(name, 'stub:model');
    Object.assign(doc.nodes[1], { retries: 1, timeoutMs: 1000 });
    return doc;
  };

  it("is never the first attempt's words followed by the second's: the client is told the text it has is not the answer", async () => {
    // One call answered first: the model thread the runner warms at start may still be loading on a busy machine,
    // and an attempt that times out before its request reaches the stub would make the retry the stub's first call.
    await runner.deploy(echoPipeline('warm', 'stub:model'));
    expect((await streamedText('warm', 'warm up')).text).toBe('stub says warm up');
    await runner.deploy(retried('retried'));
    const stream = await client.chat.completions.create({ model: 'retried', stream: true, messages: [{ role: 'user', content: 'retry please' }] });
    let text = '';
    let id = '';
    const failure = await (async () => {
      for await (const chunk of stream) {
        id = chunk.id;
        text += chunk.choices[0]?.delta?.content ?? '';
      }
    })().then(() => undefined, (e) => e);
    const run = await ended(id);
    expect(run).toMatchObject({ status: 'succeeded', outputs: { answer: 'a second answer' } });
    expect(text).not.toContain('a second answer');
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(failure.message).toMatch(/retried after part of its answer was streamed/);
  });

  it('goes on where it stopped when the retry gives the same words', async () => {
    const { text } = await streamedText('retried', 'retry-same please');
    expect(text).toBe('first words then the rest of it');
  });
});

/** Polls the run until it is no longer running. */
async function ended(id: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await (await runner.api(`/api/runs/${id}`)).json();
    if (run.status !== 'running') return run;
    if (Date.now() > deadline) return run;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a client that leaves a streamed chat completion', () => {
  it('leaves no unhandled rejection behind when the run ends after it left', async () => {
    await runner.deploy(echoPipeline('late-one', 'stub:model'));
    const stray: unknown[] = [];
    const onStray = (reason: unknown) => stray.push(reason);
    process.on('unhandledRejection', onStray);
    try {
      const abort = new AbortController();
      const stream = await client.chat.completions.create({ model: 'late-one', stream: true, messages: [{ role: 'user', content: 'late answer' }] }, { signal: abort.signal });
      let id = '';
      // the SDK ends the iteration quietly on an abort
      for await (const chunk of stream) {
        id = chunk.id;
        abort.abort(); // after the first chunk, before the model answered
      }
      await ended(id);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(stray).toEqual([]);
    } finally {
      process.off('unhandledRejection', onStray);
    }
  });

  it('cancels its run, which aborts the model call: nobody pays for an answer no one reads', async () => {
    await runner.deploy(echoPipeline('stalls', 'stub:model'));
    const abort = new AbortController();
    const stream = await client.chat.completions.create({ model: 'stalls', stream: true, messages: [{ role: 'user', content: 'stall here' }] }, { signal: abort.signal });
    let id = '';
    for await (const chunk of stream) {
      id = chunk.id;
      if (chunk.choices[0]?.delta?.content) abort.abort(); // a chat UI's Stop, mid-answer
    }
    // The model stalls for good: only a cancel ends this run.
    const run = await ended(id);
    expect(run).toMatchObject({ status: 'cancelled', source: 'openai' });
  });

  it('cancels the run of an answer asked for whole too (an SDK timeout)', async () => {
    const impatient = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0, timeout: 500 });
    const before = new Set((await (await runner.api('/api/runs?pipeline=stalls&limit=1000')).json()).map((r: { id: string }) => r.id));
    const failed = await impatient.chat.completions.create({ model: 'stalls', messages: [{ role: 'user', content: 'stall whole' }] }).then(() => undefined, (e) => e);
    expect(failed).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const newRuns = async () => (await (await runner.api('/api/runs?pipeline=stalls&limit=1000')).json()).filter((r: { id: string }) => !before.has(r.id));
    // On a loaded machine the 500 ms can pass before the server has begun the run (a client gone by then still
    // cancels it as it begins): wait for it to be there rather than reading the list once at the timeout.
    await expect.poll(newRuns, { timeout: 15_000 }).not.toHaveLength(0);
    const runs = await newRuns();
    expect(runs).toHaveLength(1);
    expect(await ended(runs[0].id)).toMatchObject({ status: 'cancelled' });
  });
});

describe('a streamed chat completion whose serving key is revoked mid-answer', () => {
  it('ends with an invalid_api_key error the client reads, and its run is cancelled', async () => {
    await runner.deploy(echoPipeline('leaky', 'stub:model'));
    const { key } = await (await runner.post('/api/keys', { name: 'leaked-app', pipelines: ['leaky'] })).json();
    const keyed = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: key, maxRetries: 0 });
    const stream = await keyed.chat.completions.create({ model: 'leaky', stream: true, messages: [{ role: 'user', content: 'stall while revoked' }] });
    let id = '';
    let text = '';
    let revoked = false;
    // Without the revoke this stream would stay open for good: the model stalls half-way.
    const failed = await (async () => {
      for await (const chunk of stream) {
        id = chunk.id;
        const content = chunk.choices[0]?.delta?.content ?? '';
        text += content;
        if (content && !revoked) {
          // Half the answer is out and the model stalls: the admin revokes the key.
          expect((await runner.api('/api/keys/leaked-app', { method: 'DELETE' })).status).toBe(204);
          revoked = true;
        }
      }
    })().then(() => undefined, (err: unknown) => err);
    // What was sent before the revoke (already on its way) is all the client has.
    expect(text).not.toBe('');
    expect('stub says stall while revoked and more words to come'.startsWith(text)).toBe(true);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect((failed as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key', message: 'serving key "leaked-app" was revoked: this stream ends here' });
    // The model stalls for good: only a cancel ends this run.
    expect(await ended(id)).toMatchObject({ status: 'cancelled', source: 'openai', keyName: 'leaked-app' });
  });

  it('on POST /api/pipelines/NAME/run?stream=true too: the events end with an error event, a 401 problem, and the run is cancelled', async () => {
    await runner.deploy(echoPipeline('leaky-events', 'stub:model'));
    const { key } = await (await runner.post('/api/keys', { name: 'leaked-events' })).json();
    const res = await fetch(`${runner.url}/api/pipelines/leaky-events/run?stream=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ inputs: { question: 'stall while revoked' } }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    let revoked = false;
    // Without the revoke this stream would stay open for good: the model stalls half-way.
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      if (!revoked && text.includes('event: node.token')) {
        expect((await runner.api('/api/keys/leaked-events', { method: 'DELETE' })).status).toBe(204);
        revoked = true;
      }
    }
    const events = text.split('\n\n').filter((e) => e.includes('event: '));
    const last = events.at(-1)!;
    expect(last.split('\n')[0]).toBe('event: error');
    expect(JSON.parse(last.split('\n')[1].slice('data: '.length))).toMatchObject({ status: 401, type: expect.stringMatching(/unauthorized$/), detail: 'serving key "leaked-events" was revoked: this stream ends here' });
    expect(await ended(res.headers.get('x-run-id')!)).toMatchObject({ status: 'cancelled', source: 'serve', keyName: 'leaked-events' });
  });

  it('revoked by another process (patchbay keys revoke on its data dir): the stream ends too, once the runner reads the keys again', async () => {
    await runner.deploy(echoPipeline('leaky-cli', 'stub:model'));
    const { key } = await (await runner.post('/api/keys', { name: 'leaked-cli' })).json();
    const keyed = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: key, maxRetries: 0 });
    const stream = await keyed.chat.completions.create({ model: 'leaky-cli', stream: true, messages: [{ role: 'user', content: 'stall while revoked' }] });
    let id = '';
    let revoked = false;
    const failed = await (async () => {
      for await (const chunk of stream) {
        id = chunk.id;
        if (chunk.choices[0]?.delta?.content && !revoked) {
          const cli = await runCli(['keys', 'revoke', 'leaked-cli', '--data', runner.dataDir], runner.dataDir);
          expect(cli.code, cli.stderr).toBe(0);
          revoked = true;
        }
      }
    })().then(() => undefined, (err: unknown) => err);
    expect((failed as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'invalid_api_key', message: 'serving key "leaked-cli" was revoked: this stream ends here' });
    expect(await ended(id)).toMatchObject({ status: 'cancelled' });
  });
});
