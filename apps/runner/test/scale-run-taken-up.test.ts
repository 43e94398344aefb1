import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { allSseEvents, echoPipeline, sseEvents, waitForRun, type SseEvent } from './support/test-runner';
import { baseEnv, spawnPatchbay, type PatchbayProcess } from './support/patchbay-process';
import { scaleServices } from './support/scale-services';

// A run whose worker is killed (kill -9) mid-run is taken up by another worker, which runs it again from the
// start: its live stream goes on after what the first worker sent (a second run.started). Its ids are what a
// client resumes with, so the stream of the run once it has ended must be that same stream. Before, the ended
// run's stream was the second attempt's events alone, numbered from 0 again: a client resuming after id N got
// the events after the second attempt's N (some of the answer's tokens skipped), and one that had seen the
// last event was told its id was "not an id this stream sent" (400).
describe('scaled out: a run taken up by another worker after kill -9 streams the same ids live and once ended', () => {
  const services = scaleServices();
  let stub: OpenAIStub;
  let dir: string;
  let server: PatchbayProcess & { url: string };
  const workers: PatchbayProcess[] = [];
  let env: NodeJS.ProcessEnv;
  let workerArgs: string[];
  const api = (p: string, init?: RequestInit) => fetch(`${server.url}${p}`, init);

  beforeAll(async () => {
    const asked = new Set<string>();
    stub = await startOpenAIStub({
      handler: (req) => {
        // The first worker's call of each question never ends: the worker is killed holding it (in the middle of
        // its answer for a streamed question, before it for the other).
        const question = String(req.body?.messages?.at(-1)?.content);
        const first = !asked.has(question);
        asked.add(question);
        if (first && question.startsWith('again ')) return { hang: 'before-response' };
        if (question.startsWith('again ') || question === 'twice') return { text: `said: ${question}` };
        if (first) return question === 'streamed' ? { hang: 'mid-stream', text: 'uno dos tres cuatro', pieces: ['uno ', 'dos ', 'tres ', 'cuatro'] } : { hang: 'before-response' };
        return { text: 'one two three four', pieces: ['one ', 'two ', 'three ', 'four'] };
      },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-taken-up-'));
    env = { ...baseEnv(), STUB_BASE_URL: stub.url, STUB_API_KEY: 'sk-taken-up' };
    const serving = await spawnPatchbay(['serve', '--port', '0', '--data', dir, '--store', services.store, '--queue', services.redis.url, '--no-work'], { ...env, PATCHBAY_DEMO: '0' }, /Patchbay listening on (http:\/\/\S+)/);
    server = { ...serving, url: serving.match[1] };
    workerArgs = ['worker', '--store', services.store, '--queue', services.redis.url, '--concurrency', '2', '--stalled-ms', '1000'];
    workers.push(await spawnPatchbay(workerArgs, env, /taking jobs/));
    const saved = await api('/api/pipelines', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(echoPipeline('qa', 'stub:model')) });
    expect(saved.status).toBe(201);
    // Two model calls in a row: the first ends before the worker dies, the second is held when it does.
    const twice = {
      format: 'patchbay.pipeline/v1',
      name: 'twice',
      nodes: [
        { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
        { id: 'first', type: 'llm', config: { model: 'stub:model', prompt: '{{ question }}' } },
        { id: 'second', type: 'llm', config: { model: 'stub:model', prompt: 'again {{ text }}' } },
        { id: 'out', type: 'output', config: { name: 'answer' } },
      ],
      edges: [
        { from: 'q.value', to: 'first.question' },
        { from: 'first.text', to: 'second.text' },
        { from: 'second.text', to: 'out.value' },
      ],
    };
    expect((await api('/api/pipelines', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(twice) })).status).toBe(201);
    expect((await api('/api/pipelines/twice/labels/production', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 1 }) })).status).toBe(200);
    const label = await api('/api/pipelines/qa/labels/production', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 1 }) });
    expect(label.status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    await stub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('replays the ended run with the ids its live stream sent, and resumes after any of them', async () => {
    const res = await api('/api/runs?stream=true', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pipeline: 'qa', inputs: { question: 'taken up' } }) });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-run-id')!;
    const live: SseEvent[] = [];
    const reading = (async () => {
      for await (const event of sseEvents(res)) live.push(event);
    })();
    // The first worker holds the model call; then it dies without a word, and another takes the run up.
    await expect.poll(() => stub.requests.length, { timeout: 30_000 }).toBe(1);
    workers[0].child.kill('SIGKILL');
    await workers[0].exited;
    workers.push(await spawnPatchbay(workerArgs, env, /taking jobs/));
    await reading;
    expect((await waitForRun({ api }, id, 30_000)).status).toBe('succeeded');

    const types = (events: SseEvent[]) => events.map((e) => `${e.id} ${e.event}`);
    expect(live.filter((e) => e.event === 'run.started')).toHaveLength(2);
    expect(live.map((e) => Number(e.id))).toEqual(live.map((_, i) => i));
    expect(live.at(-1)!.event).toBe('run.completed');

    // The ended run's stream is the one that was sent live, id for id.
    const replay = await allSseEvents(await api(`/api/runs/${id}/events`));
    expect(types(replay)).toEqual(types(live));
    // The store keeps each node's trace once (the run's last one), so a replayed node.completed carries the
    // node's final trace; the rest of every event is what was sent.
    const withoutTrace = (events: SseEvent[]) => events.map((e) => ({ ...JSON.parse(e.data), trace: undefined }));
    expect(withoutTrace(replay)).toEqual(withoutTrace(live));

    // A client that saw up to a token of the second attempt gets the rest of the answer, nothing skipped.
    const token = live.findLastIndex((e) => e.event === 'node.token' && JSON.parse(e.data).text === 'one ');
    expect(token).toBeGreaterThan(0);
    const resumed = await allSseEvents(await api(`/api/runs/${id}/events`, { headers: { 'last-event-id': live[token].id! } }));
    expect(types(resumed)).toEqual(types(live.slice(token + 1)));
    expect(resumed.filter((e) => e.event === 'node.token').map((e) => JSON.parse(e.data).text).join('')).toBe('two three four');

    // One that saw the last event resumes to an empty stream, as the docs say, not a 400.
    const atEnd = await api(`/api/runs/${id}/events`, { headers: { 'last-event-id': live.at(-1)!.id! } });
    expect(atEnd.status).toBe(200);
    expect(await allSseEvents(atEnd)).toEqual([]);

    // GET /api/runs/ID is the run the second worker finished.
    const record = await (await api(`/api/runs/${id}`)).json();
    expect(record.outputs).toEqual({ answer: 'one two three four' });
  }, 150_000);

  // The streamed /v1 answer follows the run's events: the taken-up run starts again (run.started, its model node at
  // attempt 1), and what the first worker had streamed of its answer is not the start of the answer. Before, the
  // second attempt's tokens were sent after the first's ("uno dos one two three four"), as one answer.
  it('ends a streamed /v1 answer of such a run with an error rather than two answers run together', async () => {
    const calls = stub.requests.length;
    const res = await api('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qa', stream: true, messages: [{ role: 'user', content: 'streamed' }] }) });
    expect(res.status).toBe(200);
    let received = '';
    const body = (async () => {
      const decoder = new TextDecoder();
      const reader = res.body!.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) received += decoder.decode(read.value, { stream: true });
      return received;
    })();
    // Killed once part of the first worker's answer has reached the client.
    await expect.poll(() => stub.requests.length - calls, { timeout: 30_000 }).toBe(1);
    await expect.poll(() => received.includes('"content":"uno'), { timeout: 30_000 }).toBe(true);
    const holder = workers.at(-1)!;
    holder.child.kill('SIGKILL');
    await holder.exited;
    workers.push(await spawnPatchbay(workerArgs, env, /taking jobs/));
    const chunks = (await body).split('\n\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
    const parsed = chunks.filter((c) => c !== '[DONE]').map((c) => JSON.parse(c));
    const text = parsed.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
    // What went out is the first worker's part of its answer, then the stream says it is not the answer.
    expect(['uno ', 'uno dos '], JSON.stringify(chunks)).toContain(text);
    expect(parsed.at(-1).error).toMatchObject({ code: 'answer_retried' });
    expect(chunks).not.toContain('[DONE]');
    const id = res.headers.get('x-run-id')!;
    expect((await waitForRun({ api }, id, 30_000)).outputs).toEqual({ answer: 'one two three four' });
  }, 150_000);

  // The answer's usage is summed over the run's model calls as they end; the first worker's first call ended, and
  // the run, taken up, made it again. Before, the answer counted it twice: more tokens than the run's record has.
  it("answers a taken-up run's usage as its record has it, not the first worker's calls on top", async () => {
    const calls = stub.requests.length;
    const asked = api('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'twice', messages: [{ role: 'user', content: 'twice' }] }) });
    await expect.poll(() => stub.requests.length - calls, { timeout: 30_000 }).toBe(2);
    const holder = workers.at(-1)!;
    holder.child.kill('SIGKILL');
    await holder.exited;
    workers.push(await spawnPatchbay(workerArgs, env, /taking jobs/));
    const res = await asked;
    expect(res.status).toBe(200);
    const answer = await res.json();
    const record = await (await api(`/api/runs/${answer.id}`)).json();
    const recorded = Object.values(record.nodes as Record<string, { usage?: { promptTokens: number; completionTokens: number } }>).reduce(
      (sum, n) => ({ prompt: sum.prompt + (n.usage?.promptTokens ?? 0), completion: sum.completion + (n.usage?.completionTokens ?? 0) }),
      { prompt: 0, completion: 0 },
    );
    expect(recorded.prompt).toBeGreaterThan(0);
    expect(answer.usage).toMatchObject({ prompt_tokens: recorded.prompt, completion_tokens: recorded.completion });
  }, 150_000);
});
