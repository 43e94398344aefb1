import { describe, expect, it } from 'vitest';
import { hangingStubRunners } from './support/child-runner';
import { allSseEvents, echoPipeline } from './support/test-runner';

// Every model call hangs: a promotion is evaluating for as long as the test needs.
const runners = hangingStubRunners('patchbay-promote-restart-');
const start = (data: string) => runners.start(['--port', '0', '--data', data]);

const send = (url: string, method: string, body: unknown) => fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const CASES = [{ id: 'c1', input: { question: 'paris' }, expected: 'paris' }];

/** Pipeline "slow" (v1 labelled production, v2), dataset "qa", and a promotion of v2 whose first model call is in flight. */
async function startHangingPromotion(url: string): Promise<string> {
  expect((await send(`${url}/api/pipelines`, 'POST', echoPipeline('slow', 'stub:model'))).status).toBe(201);
  const doc = echoPipeline('slow', 'stub:model');
  doc.nodes[1].config.prompt = 'v2 {{ question }}';
  expect((await send(`${url}/api/pipelines/slow/versions`, 'POST', { document: doc, message: 'v2', baseVersion: 1 })).status).toBe(201);
  expect((await send(`${url}/api/datasets`, 'POST', { name: 'qa', cases: CASES })).status).toBe(201);
  expect((await send(`${url}/api/pipelines/slow/labels/production`, 'PUT', { version: 1 })).status).toBe(200);
  const before = runners.stub.requests.length;
  const started = await send(`${url}/api/pipelines/slow/promotions`, 'POST', { label: 'production', version: 2, suite: { dataset: 'qa', scorers: [{ name: 'm', type: 'contains', target: 'answer' }] } });
  expect(started.status).toBe(202);
  await runners.callInFlight(before);
  return (await started.json()).id;
}

describe('a promotion running in another server of the same store', () => {
  it('says what it compares with and the eval it started, from what the promotion stored', async () => {
    const data = runners.tempDir();
    const first = await start(data);
    const id = await startHangingPromotion(first.url);
    const second = await start(data);
    expect(await (await fetch(`${second.url}/api/promotions/${id}`)).json()).toMatchObject({ status: 'running', from: 1, to: 2, evalIds: { candidate: expect.any(String), holder: null } });
    for (const runner of [second, first]) {
      runner.child.kill('SIGTERM');
      await runner.exited;
    }
  }, 90_000);
});

describe('a promotion cut short by the runner stopping', () => {
  for (const [signal, reason] of [
    ['SIGTERM', /the eval of v2 cancelled: the runner is shutting down/],
    ['SIGKILL', /the runner stopped before the promotion ended/],
  ] as const) {
    it(`after ${signal} and a restart, has ended failed (not running for ever), moved nothing, and its event stream ends`, async () => {
      const data = runners.tempDir();
      const first = await start(data);
      const id = await startHangingPromotion(first.url);
      first.child.kill(signal);
      await first.exited;

      const second = await start(data);
      const promotion = await (await fetch(`${second.url}/api/promotions/${id}`)).json();
      expect(promotion).toMatchObject({ id, status: 'failed', moved: false, to: 2 });
      expect(promotion.error).toMatch(reason);
      // What it compared with and the eval it started were stored when known, so they outlive the process (kill -9 too).
      expect(promotion).toMatchObject({ from: 1, evalIds: { candidate: expect.any(String), holder: null } });
      expect((await fetch(`${second.url}/api/evals/${promotion.evalIds.candidate}`)).status).toBe(200);
      // Every stream ends with promotion.completed, so a client waiting for it (an EventSource) is told rather than reconnecting for ever.
      const events = await allSseEvents(await fetch(`${second.url}/api/promotions/${id}/events`));
      expect(events.at(-1)?.event).toBe('promotion.completed');
      expect(JSON.parse(events.at(-1)!.data).outcome).toMatchObject({ status: 'failed', moved: false });
      // A client that saw events 0..N live before the stop resumes and still hears the end, numbered after what it saw
      // (after kill -9 none of the live events were stored, so N may be past what the store has).
      const lastSeen = signal === 'SIGKILL' ? '5' : events.at(-2)!.id!;
      const resumed = await allSseEvents(await fetch(`${second.url}/api/promotions/${id}/events`, { headers: { 'last-event-id': lastSeen } }));
      expect(resumed.map((e) => [e.id, e.event])).toEqual([[String(Number(lastSeen) + 1), 'promotion.completed']]);
      expect((await (await fetch(`${second.url}/api/pipelines/slow/labels`)).json()).labels.production.version).toBe(1);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }, 90_000);
  }
});
