import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, StubGate, type OpenAIStub } from '../../../test/support/openai-stub';
import { allSseEvents, echoPipeline } from './support/test-runner';
import { baseEnv, spawnPatchbay, type PatchbayProcess } from './support/patchbay-process';
import { scaleServices } from './support/scale-services';

// Two front doors behind a load balancer: an eval is coordinated by the one that took its POST, and a
// client whose next request lands on the other one still follows it live and can cancel it there.
describe('scaled out: two front doors, one worker — evals followed and cancelled, indexes listed and searched, through either server', () => {
  const services = scaleServices();
  let stub: OpenAIStub;
  const dirs: string[] = [];
  const doors: Record<'a' | 'b', (PatchbayProcess & { url: string }) | undefined> = { a: undefined, b: undefined };
  let worker: PatchbayProcess | undefined;
  /** Answers to "gated …" questions wait until the test opens the gate. */
  const gate = new StubGate('open');
  const on = (door: 'a' | 'b', p: string, init?: RequestInit) => fetch(`${doors[door]!.url}${p}`, init);
  const post = (door: 'a' | 'b', p: string, body: unknown) => on(door, p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  /** Starts an eval of `n` gated cases on door A (the gate is closed: none can finish yet). */
  async function startGatedEval(name: string, n: number): Promise<string> {
    gate.close();
    const cases = Array.from({ length: n }, (_, i) => ({ id: `c${i}`, input: { question: `gated ${name} ${i}` }, expected: `gated ${name} ${i}` }));
    expect((await post('a', '/api/datasets', { name, cases })).status).toBe(201);
    const started = await post('a', '/api/evals', { pipeline: 'qa', dataset: name, suite: { scorers: [{ name: 'echo', type: 'contains' }], concurrency: 4 } });
    expect(started.status).toBe(201);
    return (await started.json()).id;
  }

  beforeAll(async () => {
    stub = await startOpenAIStub({
      handler: async (req) => {
        const question = String(req.body?.messages?.at(-1)?.content);
        if (question.startsWith('gated ')) await gate.opened();
        return { text: question };
      },
    });
    const env = { ...baseEnv(), STUB_BASE_URL: stub.url, STUB_API_KEY: 'sk-doors-3c1f', PATCHBAY_DEMO: '0' };
    const door = async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-doors-'));
      dirs.push(dir);
      const started = await spawnPatchbay(['serve', '--port', '0', '--data', dir, '--store', services.store, '--queue', services.redis.url, '--no-work'], env, /Patchbay listening on (http:\/\/\S+)/);
      return { ...started, url: started.match[1] };
    };
    [doors.a, doors.b, worker] = await Promise.all([door(), door(), spawnPatchbay(['worker', '--store', services.store, '--queue', services.redis.url, '--concurrency', '4'], env, /taking jobs/)]);
    expect((await post('a', '/api/pipelines', echoPipeline('qa', 'stub:model'))).status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    gate.open();
    worker?.child.kill('SIGKILL');
    for (const d of Object.values(doors)) d?.child.kill('SIGKILL');
    await stub?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("streams an eval live from the other server to its end, and replays it from Last-Event-ID there", async () => {
    const id = await startGatedEval('followed', 12);
    // Both streams open on B while no case can have finished: what they get after this is live.
    const whole = await on('b', `/api/evals/${id}/events`);
    const resumed = await on('b', `/api/evals/${id}/events`, { headers: { 'last-event-id': '0' } });
    expect(whole.status).toBe(200);
    expect((await (await on('a', `/api/evals/${id}`)).json()).status).toBe('running');
    gate.open();
    const [events, tail] = await Promise.all([allSseEvents(whole), allSseEvents(resumed)]);
    expect(events[0].event).toBe('eval.started');
    expect(events.filter((e) => e.event === 'eval.case')).toHaveLength(12);
    expect(events.at(-1)!.event).toBe('eval.completed');
    expect(JSON.parse(events.at(-1)!.data).summary).toMatchObject({ cases: 12, passed: 12 });
    expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i));
    expect(tail.map((e) => e.id)).toEqual(events.slice(1).map((e) => e.id));
    // The same events as the coordinating server's own stream of the finished eval.
    const fromA = await allSseEvents(await on('a', `/api/evals/${id}/events`));
    expect(fromA.map((e) => e.event)).toEqual(events.map((e) => e.event));
  });

  it('cancels an eval through the server that does not coordinate it', async () => {
    const id = await startGatedEval('cancelled', 8);
    const stream = await on('b', `/api/evals/${id}/events`);
    const cancelled = await post('b', `/api/evals/${id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect((await cancelled.json()).status).toBe('cancelled');
    expect((await (await on('a', `/api/evals/${id}`)).json()).status).toBe('cancelled');
    const events = await allSseEvents(stream);
    expect(events.at(-1)).toMatchObject({ event: 'eval.failed' });
    expect(JSON.parse(events.at(-1)!.data).status).toBe('cancelled');
    // Once it ended, nothing is live anywhere: a second cancel is refused on either server.
    expect((await post('b', `/api/evals/${id}/cancel`, {})).status).toBe(409);
    expect((await post('a', `/api/evals/${id}/cancel`, {})).status).toBe(409);
    gate.open();
  });

  it('lists and searches on one server an index built on the other', async () => {
    const documents = [
      { id: 'tide', text: 'The tide tables are published every Monday for the harbour.' },
      { id: 'ferry', text: 'The ferry leaves at seven from the north pier.' },
    ];
    expect((await post('a', '/api/indexes/harbour/documents', { documents })).status).toBe(201);
    const onA = await (await on('a', '/api/indexes')).json();
    const onB = await (await on('b', '/api/indexes')).json();
    expect(onA.find((i: { name: string }) => i.name === 'harbour')).toMatchObject({ chunks: 2 });
    expect(onB).toEqual(onA);
    const found = await post('b', '/api/indexes/harbour/search', { query: 'ferry pier' });
    expect(found.status).toBe(200);
    expect((await found.json()).documents[0]).toMatchObject({ id: expect.stringContaining('ferry') });
    const unknown = await post('b', '/api/indexes/nowhere/search', { query: 'x' });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).detail).toMatch(/unknown index "nowhere"; indexes: .*harbour/);
    // A second ingest on A is what B searches next: the name points at the new artifact.
    expect((await post('a', '/api/indexes/harbour/documents', { documents: [{ id: 'gull', text: 'Gulls nest on the lighthouse roof.' }] })).status).toBe(201);
    const next = await post('b', '/api/indexes/harbour/search', { query: 'lighthouse gulls' });
    expect((await next.json()).documents[0]).toMatchObject({ id: expect.stringContaining('gull') });
  });

  // Last: it kills door A.
  it('ends the other server\'s stream (no hang) when the coordinating server dies mid-eval', async () => {
    const id = await startGatedEval('orphaned', 8);
    const stream = await on('b', `/api/evals/${id}/events`);
    doors.a!.child.kill('SIGKILL');
    await doors.a!.exited;
    // Its heartbeat lapses (15 s): the follower stops waiting and closes the stream.
    const events = await allSseEvents(stream);
    expect(events[0].event).toBe('eval.started');
    expect(events.some((e) => e.event === 'eval.completed')).toBe(false);
    gate.open();
  }, 60_000);
});
