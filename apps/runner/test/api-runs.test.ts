import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { allSseEvents, echoPipeline, sseEvents, startTestRunner, waitForRun, type SseEvent, type TestRunner } from './support/test-runner';

let runner: TestRunner;
let stub: OpenAIStub;
/** Replies of the stub model wait for the test to release them, so "a run in progress" needs no timing. */
const gates: Array<() => void> = [];
const released = () => new Promise<void>((resolve) => gates.push(resolve));

beforeAll(async () => {
  stub = await startOpenAIStub({
    handler: async (req) => {
      const last = req.body?.messages?.at(-1)?.content ?? '';
      if (last.includes('hang')) return { hang: 'before-response' };
      if (last.includes('wait')) await released();
      return { text: `stub says ${last}` };
    },
  });
  runner = await startTestRunner({ env: { STUB_BASE_URL: stub.url } });
  await runner.post('/api/pipelines', echoPipeline('echo'));
  await runner.post('/api/pipelines', echoPipeline('slow', 'stub:model'));
});
afterAll(async () => {
  await runner.close();
  await stub.close();
});

const parse = (events: SseEvent[]) => events.map((e) => ({ ...e, json: JSON.parse(e.data) }));

async function nextEvent(it: AsyncGenerator<SseEvent>, type: string): Promise<SseEvent[]> {
  const seen: SseEvent[] = [];
  for (;;) {
    const { value, done } = await it.next();
    if (done) throw new Error(`stream ended before ${type}`);
    seen.push(value);
    if (value.event === type) return seen;
  }
}

describe('starting runs', () => {
  it('answers 201 with the id at once and records outputs and a trace per node', async () => {
    const res = await runner.post('/api/runs', { pipeline: 'echo', inputs: { question: 'what is up' } });
    expect(res.status).toBe(201);
    const { id, status } = await res.json();
    expect(status).toBe('running');
    expect(res.headers.get('location')).toBe(`/api/runs/${id}`);

    const run = await waitForRun(runner, id);
    expect(run).toMatchObject({ id, pipeline: 'echo', version: 1, status: 'succeeded', outputs: { answer: 'what is up' }, document: null });
    expect(run.inputs).toEqual({ question: 'what is up' });
    expect(Object.keys(run.nodes).sort()).toEqual(['answer', 'out', 'q']);
    expect(run.nodes.answer).toMatchObject({ type: 'llm', status: 'succeeded', attempts: 1, model: 'offline:echo' });
    expect(run.nodes.answer.usage.totalTokens).toBeGreaterThan(0);
    expect(typeof run.nodes.answer.durationMs).toBe('number');
  });

  it('streams the events as SSE with sequential ids, in the engine order', async () => {
    const res = await runner.post('/api/runs?stream=true', { pipeline: 'echo', inputs: { question: 'one two three' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const id = res.headers.get('x-run-id');
    const raw = await res.text();
    const frames = raw.split('\n\n').filter(Boolean);
    for (const frame of frames) expect(frame).toMatch(/^id: \d+\nevent: [a-z]+\.[a-z]+\ndata: \{.*\}$/);

    const events = frames.map((f) => {
      const [idLine, eventLine, dataLine] = f.split('\n');
      return { id: Number(idLine.slice(4)), event: eventLine.slice(7), json: JSON.parse(dataLine.slice(6)) };
    });
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i));
    expect(events.every((e) => e.json.type === e.event && e.json.runId === id)).toBe(true);
    const types = events.map((e) => `${e.event}${e.json.nodeId ? `:${e.json.nodeId}` : ''}`);
    expect(types[0]).toBe('run.started');
    expect(types.at(-1)).toBe('run.completed');
    // Each node starts before it completes, and its upstream completes before it starts.
    const at = (t: string) => types.indexOf(t);
    expect(at('node.completed:q')).toBeLessThan(at('node.started:answer'));
    expect(at('node.started:answer')).toBeLessThan(types.findIndex((t) => t === 'node.token:answer'));
    expect(types.lastIndexOf('node.token:answer')).toBeLessThan(at('node.completed:answer'));
    expect(at('node.completed:answer')).toBeLessThan(at('node.started:out'));
    const tokens = events.filter((e) => e.event === 'node.token').map((e) => e.json.text).join('');
    expect(tokens).toBe('one two three');
    expect(events.at(-1)!.json.outputs).toEqual({ answer: 'one two three' });
  });

  it('streams when the client asks with Accept: text/event-stream', async () => {
    const res = await runner.post('/api/runs', { pipeline: 'echo', inputs: { question: 'hi' } }, { accept: 'text/event-stream' });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await allSseEvents(res);
    expect(events.at(-1)!.event).toBe('run.completed');
  });

  it('ends the stream of a failing run with run.failed naming the node', async () => {
    const failing = {
      format: 'patchbay.pipeline/v1',
      name: 'failing',
      nodes: [
        { id: 'in', type: 'input', config: { name: 'value', valueType: 'json' } },
        { id: 'boom', type: 'code', config: { code: 'return value.missing.deeper' } },
        { id: 'out', type: 'output', config: { name: 'value' } },
      ],
      edges: [
        { from: 'in.value', to: 'boom.value' },
        { from: 'boom.value', to: 'out.value' },
      ],
    };
    const res = await runner.post('/api/runs?stream=true', { document: failing, inputs: { value: {} } });
    const events = parse(await allSseEvents(res));
    const last = events.at(-1)!;
    expect(last.event).toBe('run.failed');
    expect(last.json.nodeId).toBe('boom');
    expect(events.some((e) => e.event === 'node.failed' && e.json.nodeId === 'boom')).toBe(true);
    const run = await waitForRun(runner, res.headers.get('x-run-id')!);
    expect(run).toMatchObject({ status: 'failed', failedNode: 'boom', version: null, pipeline: 'failing' });
    expect(run.error).toMatch(/missing|undefined/);
    expect(run.document).toMatchObject({ name: 'failing' });
    expect(run.nodes.boom.status).toBe('failed');
  });

  it('runs a chosen version, not only the latest', async () => {
    await runner.post('/api/pipelines', echoPipeline('two-versions'));
    const v2 = echoPipeline('two-versions');
    (v2.nodes[1].config as any).prompt = 'v2 {{ question }}';
    await runner.post('/api/pipelines/two-versions/versions', { document: v2, message: '', baseVersion: 1 });

    const first = await (await runner.post('/api/runs', { pipeline: 'two-versions', version: 1, inputs: { question: 'x' } })).json();
    const latest = await (await runner.post('/api/runs', { pipeline: 'two-versions', inputs: { question: 'x' } })).json();
    expect(await waitForRun(runner, first.id)).toMatchObject({ version: 1, outputs: { answer: 'x' } });
    expect(await waitForRun(runner, latest.id)).toMatchObject({ version: 2, outputs: { answer: 'v2 x' } });
    expect((await runner.post('/api/runs', { pipeline: 'two-versions', version: 5, inputs: {} })).status).toBe(404);
    expect((await runner.post('/api/runs', { pipeline: 'nope', inputs: {} })).status).toBe(404);
  });

  it('refuses inputs that do not fit with 422 and their paths', async () => {
    const missing = await runner.post('/api/runs', { pipeline: 'echo', inputs: {} });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({ type: 'urn:patchbay:problem:invalid-inputs', errors: [{ path: '$.inputs.question' }] });

    const unknown = await runner.post('/api/runs', { pipeline: 'echo', inputs: { question: 'q', qustion: 'typo' } });
    expect(unknown.status).toBe(422);
    expect((await unknown.json()).errors.map((e: any) => e.path)).toEqual(['$.inputs.qustion']);

    const invalidDoc = await runner.post('/api/runs', { document: { ...echoPipeline('inline'), edges: [] }, inputs: { question: 'q' } });
    expect(invalidDoc.status).toBe(422);
    expect((await invalidDoc.json()).problems[0].path).toMatch(/^\$\.document\./);
  });

  it('refuses a field it does not know (a typo) with 400, instead of running without it', async () => {
    // "input" for "inputs" would run on the defaults; "pin" for "pins" would call the model the pin stands for.
    for (const [body, key] of [
      [{ pipeline: 'echo', inputs: { question: 'q' }, input: { question: 'q' } }, 'input'],
      [{ document: echoPipeline('inline'), inputs: { question: 'q' }, pin: { answer: { text: 'pinned' } } }, 'pin'],
      [{ pipeline: 'echo', inputs: { question: 'q' }, stream: true }, 'stream'],
      [{ pipeline: 'echo', inputs: { question: 'q' }, from: { run: 'r', node: 'answer', nodes: 'x' } }, 'nodes'],
    ] as const) {
      const res = await runner.post('/api/runs', body);
      expect(res.status, key).toBe(400);
      expect((await res.json()).detail, key).toContain(`has an unknown field "${key}"`);
    }
    expect(await (await runner.api('/api/runs?pipeline=inline')).json()).toEqual([]);
  });
});

describe('live runs', () => {
  it('replays past events to a late subscriber, then streams the rest live; a finished run replays the same', async () => {
    const { id } = await (await runner.post('/api/runs', { pipeline: 'slow', inputs: { question: 'wait for me' } })).json();
    const live = sseEvents(await runner.api(`/api/runs/${id}/events`));
    const before = await nextEvent(live, 'node.started');
    expect(before[0].event).toBe('run.started');

    // Wait until the llm node is in flight (its request reached the stub), then look at the trace so far.
    while (gates.length === 0) await new Promise((r) => setTimeout(r, 5));
    const running = await (await runner.api(`/api/runs/${id}`)).json();
    expect(running.status).toBe('running');
    expect(running.nodes.q.status).toBe('succeeded');
    expect(running.nodes.answer).toMatchObject({ status: 'running', type: 'llm', attempts: 1 });

    gates.shift()!();
    const rest: SseEvent[] = [];
    for await (const event of live) rest.push(event);
    const streamed = [...before, ...rest];
    expect(streamed.at(-1)!.event).toBe('run.completed');
    expect(JSON.parse(streamed.at(-1)!.data).outputs).toEqual({ answer: 'stub says wait for me' });
    expect(streamed.map((e) => Number(e.id))).toEqual(streamed.map((_, i) => i));

    // The recorded events replay exactly as they streamed: same ids, types and data (runId and node traces included).
    const replay = await allSseEvents(await runner.api(`/api/runs/${id}/events`));
    expect(replay.map((e) => [e.id, e.event])).toEqual(streamed.map((e) => [e.id, e.event]));
    expect(replay.map((e) => e.data)).toEqual(streamed.map((e) => e.data));
    expect(JSON.parse(replay.find((e) => e.event === 'node.completed')!.data)).toMatchObject({ runId: id, trace: { status: 'succeeded' } });

    const resumed = await allSseEvents(await runner.api(`/api/runs/${id}/events`, { headers: { 'last-event-id': '2' } }));
    expect(resumed.map((e) => e.id)).toEqual(streamed.slice(3).map((e) => e.id));
  });

  it('keeps an output and a port named __proto__ in the stored run, its trace and its events, as the engine gives them', async () => {
    const doc = {
      format: 'patchbay.pipeline/v1',
      name: 'proto-names',
      nodes: [
        { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
        { id: 'r', type: 'router', config: { routes: [{ port: '__proto__', when: 'true' }] } },
        { id: 'o', type: 'output', config: { name: '__proto__' } },
      ],
      edges: [{ from: 'q.value', to: 'r.value' }, { from: 'r.__proto__', to: 'o.value' }],
    };
    expect((await runner.post('/api/pipelines', doc)).status).toBe(201);
    const { id } = await (await runner.post('/api/runs', { pipeline: 'proto-names', inputs: { question: 'hi' } })).json();
    const run = await waitForRun(runner, id);
    const own = (o: object) => Object.entries(o);
    expect(run.status).toBe('succeeded');
    expect(own(run.outputs)).toEqual([['__proto__', 'hi']]);
    expect(own(run.nodes.r.outputs)).toEqual([['__proto__', 'hi']]);
    const completed = (await allSseEvents(await runner.api(`/api/runs/${id}/events`))).find((e) => e.event === 'run.completed')!;
    expect(own(JSON.parse(completed.data).outputs)).toEqual([['__proto__', 'hi']]);
  });

  it('refuses a Last-Event-ID this run never sent (not a whole number, or past its last event) with 400 naming the header; its last event resumes to nothing', async () => {
    const { id } = await (await runner.post('/api/runs', { pipeline: 'echo', inputs: { question: 'hi' } })).json();
    await waitForRun(runner, id);
    const all = await allSseEvents(await runner.api(`/api/runs/${id}/events`));
    const lastId = Number(all.at(-1)!.id);
    const events = (lastEventId: string) => runner.api(`/api/runs/${id}/events`, { headers: { 'last-event-id': lastEventId } });
    for (const bad of ['-1', '1.5', 'abc', '1e0', '0x2', '99999999999999999999', '1e300']) {
      const res = await events(bad);
      expect(res.status, bad).toBe(400);
      const problem = await res.json();
      expect(problem.errors, bad).toEqual([{ path: 'header.last-event-id', message: 'must be the id of an event this stream sent: a whole number from 0' }]);
      expect(problem.detail, bad).toContain('header.last-event-id');
    }
    // An id from another, longer run's stream: past this run's last event.
    const past = await events(String(lastId + 1));
    expect(past.status).toBe(400);
    expect((await past.json()).detail).toBe(`Last-Event-ID ${lastId + 1} is past this stream's last event (${lastId}): it is not an id this stream sent (header.last-event-id)`);
    // Reconnecting after the last event: nothing more to send.
    expect(await allSseEvents(await events(String(lastId)))).toEqual([]);
    // No id (or an empty one) replays from the start.
    expect((await allSseEvents(await events(''))).map((e) => e.id)).toEqual(all.map((e) => e.id));
  });

  it('cancels a running run: recorded cancelled, its stream ends with run.failed', async () => {
    const { id } = await (await runner.post('/api/runs', { pipeline: 'slow', inputs: { question: 'hang forever' } })).json();
    const stream = sseEvents(await runner.api(`/api/runs/${id}/events`));
    await nextEvent(stream, 'node.started');
    await nextEvent(stream, 'node.started'); // the llm node, now waiting on the stub

    const res = await runner.post(`/api/runs/${id}/cancel`, {});
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id, status: 'cancelled' });
    const tail = await nextEvent(stream, 'run.failed');
    expect(JSON.parse(tail.at(-1)!.data).cancelled).toBe(true);
    expect((await stream.next()).done).toBe(true);
    expect((await (await runner.api(`/api/runs/${id}`)).json()).status).toBe('cancelled');

    const again = await runner.api(`/api/runs/${id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    // A problem's `status` is the HTTP status; the run's own is `runStatus`.
    expect(await again.json()).toMatchObject({ type: 'urn:patchbay:problem:run-not-running', status: 409, runStatus: 'cancelled' });
    expect((await runner.api('/api/runs/no-such-run/cancel', { method: 'POST' })).status).toBe(404);
    expect((await runner.api('/api/runs/no-such-run')).status).toBe(404);
    expect((await runner.api('/api/runs/no-such-run/events')).status).toBe(404);
  });

  it('keeps answering while a code node spins, and cancels it at once', async () => {
    const spin = {
      format: 'patchbay.pipeline/v1',
      name: 'spin',
      nodes: [
        { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
        { id: 'loop', type: 'code', config: { code: 'while (true) {}', timeoutMs: 60_000 } },
        { id: 'out', type: 'output', config: { name: 'answer' } },
      ],
      edges: [{ from: 'q.value', to: 'loop.value' }, { from: 'loop.value', to: 'out.value' }],
    };
    expect((await runner.post('/api/pipelines', spin)).status).toBe(201);
    const { id } = await (await runner.post('/api/runs', { pipeline: 'spin', inputs: { question: 'x' } })).json();
    const stream = sseEvents(await runner.api(`/api/runs/${id}/events`));
    await nextEvent(stream, 'node.started');
    await nextEvent(stream, 'node.started'); // the code node, now looping in the sandbox
    // The loop is not on the runner's thread: other requests are served meanwhile.
    for (let i = 0; i < 3; i++) expect(await (await runner.api('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await runner.api(`/api/runs/${id}`)).status).toBe(200);
    expect((await runner.post(`/api/runs/${id}/cancel`, {})).status).toBe(200);
    await nextEvent(stream, 'run.failed');
    expect((await (await runner.api(`/api/runs/${id}`)).json()).status).toBe('cancelled');
  });
});

describe('listing runs', () => {
  it('lists newest first, filtered by pipeline, up to the limit', async () => {
    await runner.post('/api/pipelines', echoPipeline('listed-runs'));
    const ids: string[] = [];
    for (const q of ['a', 'b', 'c']) {
      const { id } = await (await runner.post('/api/runs', { pipeline: 'listed-runs', inputs: { question: q } })).json();
      await waitForRun(runner, id);
      ids.push(id);
    }
    const two = await (await runner.api('/api/runs?pipeline=listed-runs&limit=2')).json();
    expect(two.map((r: any) => r.id)).toEqual([ids[2], ids[1]]);
    expect(two[0]).toMatchObject({ pipeline: 'listed-runs', version: 1, status: 'succeeded' });
    expect((await (await runner.api('/api/runs?pipeline=&limit=5')).json()).length).toBe(5);
    const all = await (await runner.api('/api/runs?limit=1000')).json();
    expect(all.length).toBeGreaterThan(3);
    expect((await runner.api('/api/runs?limit=0')).status).toBe(400);
  });

  it('lists the runs that finished in a time range (one step of /api/metrics), and refuses a time that is not one', async () => {
    await runner.post('/api/pipelines', echoPipeline('timed-runs'));
    const run = await waitForRun(runner, (await (await runner.post('/api/runs', { pipeline: 'timed-runs', inputs: { question: 'q' } })).json()).id);
    const finished = run.startedAt + run.durationMs;
    const iso = (t: number) => new Date(t).toISOString();
    const within = await (await runner.api(`/api/runs?pipeline=timed-runs&finishedFrom=${iso(finished)}&finishedTo=${iso(finished + 1)}`)).json();
    expect(within.map((r: any) => r.id)).toEqual([run.id]);
    expect(await (await runner.api(`/api/runs?pipeline=timed-runs&finishedTo=${iso(finished)}`)).json()).toEqual([]);
    expect(await (await runner.api(`/api/runs?pipeline=timed-runs&finishedFrom=${iso(finished + 1)}`)).json()).toEqual([]);
    const bad = await runner.api('/api/runs?finishedFrom=yesterday');
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0].path).toMatch(/finishedFrom/);
    // Date.parse alone reads '1' as the year 2001 and '2026' as its first midnight
    for (const loose of ['1', '2026', 'Dec 1 2026']) {
      const res = await runner.api(`/api/runs?finishedFrom=${encodeURIComponent(loose)}`);
      expect(res.status, loose).toBe(400);
    }
    expect((await runner.api('/api/runs?finishedFrom=2026-12-01')).status).toBe(200);
    // A range that cannot hold a run (the two ends swapped) is said, not answered with an empty list
    const swapped = await runner.api(`/api/runs?finishedFrom=${iso(finished + 1)}&finishedTo=${iso(finished)}`);
    expect(swapped.status).toBe(400);
    expect(await swapped.json()).toMatchObject({ detail: 'finishedFrom must be before finishedTo (query.finishedTo)', errors: [{ path: 'query.finishedTo' }] });
    const scores = await runner.api('/api/runs?monitor=m&minScore=0.9&maxScore=0.1');
    expect(scores.status).toBe(400);
    expect(await scores.json()).toMatchObject({ detail: 'minScore (0.9) is more than maxScore (0.1) (query.maxScore)', errors: [{ path: 'query.maxScore' }] });
  });
});

describe('where runs came from', () => {
  it('records the source (api by default, editor when the editor says so) and filters by source and version', async () => {
    expect((await runner.post('/api/pipelines', echoPipeline('sourced'))).status).toBe(201);
    const v2 = echoPipeline('sourced');
    v2.nodes[1].config.prompt = 'v2 {{ question }}';
    expect((await runner.post('/api/pipelines/sourced/versions', { document: v2, message: 'v2', baseVersion: 1 })).status).toBe(201);

    const start = async (body: Record<string, unknown>) => (await waitForRun(runner, (await (await runner.post('/api/runs', { pipeline: 'sourced', inputs: { question: 'x' }, ...body })).json()).id)).id;
    const apiRun = await start({ version: 1 });
    const editorRun = await start({ version: 2, source: 'editor' });

    const run = await (await runner.api(`/api/runs/${apiRun}`)).json();
    expect(run).toMatchObject({ source: 'api', label: null, keyName: null });
    const bySource = await (await runner.api('/api/runs?pipeline=sourced&source=editor')).json();
    expect(bySource.map((r: any) => r.id)).toEqual([editorRun]);
    expect(bySource[0]).toMatchObject({ source: 'editor', version: 2 });
    const byVersion = await (await runner.api('/api/runs?pipeline=sourced&version=1')).json();
    expect(byVersion.map((r: any) => r.id)).toEqual([apiRun]);
    expect(await (await runner.api('/api/runs?pipeline=sourced&label=production')).json()).toEqual([]);

    // A caller cannot pass itself off as serving or an eval, and an unknown source is named.
    expect((await runner.post('/api/runs', { pipeline: 'sourced', inputs: { question: 'x' }, source: 'openai' })).status).toBe(400);
    const bad = await runner.api('/api/runs?source=phone');
    expect(bad.status).toBe(400);
    expect((await bad.json()).detail).toMatch(/source/);
  });
});
