import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { hangingStubRunners } from './support/child-runner';
import { allSseEvents, echoPipeline, startTestRunner } from './support/test-runner';

// Every model call hangs until the client gives up: a run that is "running" for as long as the test needs.
const runners = hangingStubRunners('patchbay-durable-');
const tempDir = () => runners.tempDir();
const start = (args: string[], env: NodeJS.ProcessEnv = {}) => runners.start(args, env);

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Saves the hanging pipeline and starts a run of it; resolves once the model call is in flight. */
async function startHangingRun(url: string): Promise<string> {
  await post(`${url}/api/pipelines`, echoPipeline('slow', 'stub:model'));
  const before = runners.stub.requests.length;
  const { id } = await (await post(`${url}/api/runs`, { pipeline: 'slow', inputs: { question: 'take your time' } })).json();
  await runners.callInFlight(before);
  return id;
}

function runStatus(dataDir: string, id: string): string {
  const db = new Database(path.join(dataDir, 'runner.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(id) as string) ?? 'missing';
  } finally {
    db.close();
  }
}

describe('durability', () => {
  it('a run cut short by kill -9 is "interrupted" after a restart', async () => {
    const data = tempDir();
    const first = await start(['--port', '0', '--data', data]);
    const id = await startHangingRun(first.url);
    expect((await (await fetch(`${first.url}/api/runs/${id}`)).json()).status).toBe('running');

    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(runStatus(data, id)).toBe('running');

    // PORT and PATCHBAY_DATA from the environment work as well as the flags.
    const second = await start([], { PORT: '0', PATCHBAY_DATA: data });
    const run = await (await fetch(`${second.url}/api/runs/${id}`)).json();
    expect(run.status).toBe('interrupted');
    expect(run.error).toMatch(/stopped/);
    // Its event stream ends as every run's does, with run.failed: a client waiting for the end (an
    // EventSource reconnecting with Last-Event-ID) is told, instead of given an empty stream again and again.
    const replayed = await allSseEvents(await fetch(`${second.url}/api/runs/${id}/events`));
    expect(replayed.map((e) => e.event)).toEqual(['run.failed']);
    expect(JSON.parse(replayed[0].data)).toMatchObject({ type: 'run.failed', runId: id, error: 'the runner stopped before the run ended' });
    // A client that saw events 0..5 live before the crash reconnects with Last-Event-ID 5: none of them were
    // stored, and it still hears the end, numbered after what it saw.
    const resumed = await allSseEvents(await fetch(`${second.url}/api/runs/${id}/events`, { headers: { 'last-event-id': '5' } }));
    expect(resumed.map((e) => [e.id, e.event])).toEqual([['6', 'run.failed']]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('SIGTERM cancels live runs, closes the database cleanly and exits 0', async () => {
    const data = tempDir();
    const runner = await start(['--port', '0', '--data', data]);
    const id = await startHangingRun(runner.url);

    runner.child.kill('SIGTERM');
    expect(await runner.exited).toBe(0);
    expect(runner.stderr()).toMatch(/SIGTERM: stopping/);
    expect(runStatus(data, id)).toBe('cancelled');
    // A clean close folds the write-ahead log back into the database file.
    const wal = path.join(data, 'runner.sqlite-wal');
    expect(!fs.existsSync(wal) || fs.statSync(wal).size === 0).toBe(true);
    await expect(fetch(`${runner.url}/healthz`)).rejects.toThrow();
  });

  it('two runner processes on one data dir still let exactly one of 20 simultaneous saves win', async () => {
    const data = tempDir();
    const a = await start(['--port', '0', '--data', data]);
    const b = await start(['--port', '0', '--data', data]);
    expect((await post(`${a.url}/api/pipelines`, echoPipeline('shared'))).status).toBe(201);
    const saves = Array.from({ length: 20 }, (_, i) =>
      post(`${i % 2 ? a.url : b.url}/api/pipelines/shared/versions`, { document: { ...echoPipeline('shared'), title: `v${i}` }, message: `${i}`, baseVersion: 1 }),
    );
    const statuses = (await Promise.all(saves)).map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });

  it('answers 503 (and closes the connection) to an API request that reaches it while it shuts down', async () => {
    const runner = await startTestRunner();
    await runner.post('/api/pipelines', echoPipeline('late'));
    const closing = runner.close();
    // The listener is closed by now; a client on a kept-alive connection could still get a request in, as this one does.
    const res = await runner.server.app.request('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pipeline: 'late', inputs: { question: 'x' } }) });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('connection')).toBe('close');
    await closing;
  });

  it('refuses to start on a non-loopback host without PATCHBAY_TOKEN (exit 2, one line)', async () => {
    await expect(start(['--port', '0', '--host', '0.0.0.0', '--data', tempDir()])).rejects.toThrow(/exited \(2\).*PATCHBAY_TOKEN/s);
  });
});
