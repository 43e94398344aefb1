import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { isOwnerAlive, processStartTicks } from '../src/runs/process-owner';
import { spawnRunner, type ChildRunner } from './support/child-runner';
import { echoPipeline } from './support/test-runner';

const dirs: string[] = [];
const children: ChildRunner[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-ack-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function start(args: string[], env: NodeJS.ProcessEnv = {}, options: { fileSizeLimitKb?: number } = {}) {
  const runner = await spawnRunner(args, env, options);
  children.push(runner);
  return runner;
}

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function storedRuns(dataDir: string): Map<string, string> {
  const db = new Database(path.join(dataDir, 'runner.sqlite'), { readonly: true });
  try {
    return new Map((db.prepare('SELECT id, status FROM runs').all() as { id: string; status: string }[]).map((r) => [r.id, r.status]));
  } finally {
    db.close();
  }
}

/** Clients that post runs as fast as they are answered, collecting the ids of the 201s, until `stop()`. */
function burst(url: string, clients: number, body: (i: number) => unknown) {
  const acknowledged: string[] = [];
  const refused: Array<{ status: number; type: string | null; body: any }> = [];
  let stopped = false;
  let n = 0;
  const loops = Array.from({ length: clients }, async () => {
    while (!stopped) {
      try {
        const res = await post(`${url}/api/runs`, body(n++));
        if (res.status === 201) acknowledged.push((await res.json()).id);
        else refused.push({ status: res.status, type: res.headers.get('content-type'), body: await res.json() });
      } catch {
        return; // the runner is gone: an answer never received acknowledges nothing
      }
    }
  });
  return { acknowledged, refused, stop: () => ((stopped = true), Promise.all(loops)) };
}

describe('acknowledged means durable', () => {
  it('kill -9 in the middle of a burst of runs loses no run that was answered 201; the restart interrupts the ones left running', { timeout: 120_000 }, async () => {
    const data = tempDir();
    const first = await start(['--port', '0', '--data', data]);
    expect((await post(`${first.url}/api/pipelines`, echoPipeline('burst'))).status).toBe(201);
    const load = burst(first.url, 24, (i) => ({ pipeline: 'burst', inputs: { question: `q${i}` } }));
    while (load.acknowledged.length < 300) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    await load.stop();

    const stored = storedRuns(data);
    const lost = load.acknowledged.filter((id) => !stored.has(id));
    expect(lost).toEqual([]);

    const second = await start(['--port', '0', '--data', data]);
    const after = storedRuns(data);
    expect([...after.values()].filter((s) => s === 'running')).toEqual([]);
    for (const id of load.acknowledged) expect(['succeeded', 'interrupted']).toContain(after.get(id));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('a full disk refuses runs with 507/503 problem+json and /healthz says degraded; every run it acknowledged is stored', { timeout: 120_000 }, async () => {
    const data = tempDir();
    // Save the pipeline with no limit first, then serve under a file-size limit (RLIMIT_FSIZE, 1 KiB blocks):
    // the database's write-ahead log hits it after some runs, as a full disk would stop it.
    const setup = await start(['--port', '0', '--data', data]);
    expect((await post(`${setup.url}/api/pipelines`, echoPipeline('big'))).status).toBe(201);
    setup.child.kill('SIGTERM');
    expect(await setup.exited).toBe(0);
    const limitKb = Math.ceil(fs.statSync(path.join(data, 'runner.sqlite')).size / 1024) + 1500;
    const full = await start(['--port', '0', '--data', data], {}, { fileSizeLimitKb: limitKb });

    const question = 'x'.repeat(60_000);
    const load = burst(full.url, 4, () => ({ pipeline: 'big', inputs: { question } }));
    const deadline = Date.now() + 60_000;
    while (load.refused.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await load.stop();
    expect(load.acknowledged.length).toBeGreaterThan(0);
    expect(load.refused.length).toBeGreaterThan(0);
    for (const r of load.refused) {
      expect([503, 507]).toContain(r.status);
      expect(r.type).toBe('application/problem+json');
      expect(r.body.detail).toMatch(/storage/);
    }
    const health = await (await fetch(`${full.url}/healthz`)).json();
    expect(health).toMatchObject({ status: 'degraded' });
    expect(health.reason).toMatch(/storage/);
    // Reads still work while writes fail.
    expect((await fetch(`${full.url}/api/pipelines`)).status).toBe(200);

    full.child.kill('SIGKILL');
    await full.exited;
    const stored = storedRuns(data);
    expect(load.acknowledged.filter((id) => !stored.has(id))).toEqual([]);
  });
});

describe('a full disk under an index ingest', () => {
  it('refuses it with 507/503 problem+json, /healthz says degraded, and the indexes it had still answer', { timeout: 120_000 }, async () => {
    const data = tempDir();
    const full = await start(['--port', '0', '--data', data, '--no-demo'], {}, { fileSizeLimitKb: 3000 });
    const batch = (n: number) => ({ documents: Array.from({ length: 100 }, (_, i) => ({ id: `${n}-${i}`, text: `entry ${n} ${i} `.repeat(80) })) });
    const answers: Array<{ status: number; type: string | null; body: any }> = [];
    for (let n = 0; n < 100 && !answers.some((a) => a.status >= 400); n++) {
      const res = await post(`${full.url}/api/indexes/log${n}/documents`, batch(n));
      answers.push({ status: res.status, type: res.headers.get('content-type'), body: await res.json() });
    }
    const refused = answers.at(-1)!;
    expect(answers[0].status).toBe(201);
    expect([503, 507]).toContain(refused.status);
    expect(refused.type).toBe('application/problem+json');
    expect(refused.body.detail).toMatch(/storage/);
    expect(await (await fetch(`${full.url}/healthz`)).json()).toMatchObject({ status: 'degraded' });
    const hit = await post(`${full.url}/api/indexes/log0/search`, { query: 'entry', topK: 1 });
    expect(hit.status).toBe(200);
    expect((await hit.json()).documents).toHaveLength(1);
    full.child.kill('SIGKILL');
    await full.exited;
  });
});

describe('whose runs a restart interrupts', () => {
  it('a pid is the owner only with the start time it had: a reused or dead pid owns nothing', async () => {
    const child = spawn('sleep', ['30']);
    await new Promise((r) => child.once('spawn', r));
    const pid = child.pid!;
    const started = processStartTicks(pid)!;
    expect(started).toMatch(/^\d+$/);
    const host = os.hostname();
    expect(isOwnerAlive(`${host}:${pid}:${started}`)).toBe(true);
    // The same pid with another start time: the pid was reused by a process that never owned the run.
    expect(isOwnerAlive(`${host}:${pid}:${Number(started) + 1}`)).toBe(false);
    // This very process has just started, so a row naming its pid is from an earlier one.
    expect(isOwnerAlive(`${host}:${process.pid}:${processStartTicks(process.pid)}`)).toBe(false);
    // Another host's process cannot be checked from here: left alone.
    expect(isOwnerAlive(`elsewhere.example:${pid}:${started}`)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(isOwnerAlive(`${host}:${pid}:${started}`)).toBe(false);
    expect(isOwnerAlive(`${host}:${pid}`)).toBe(false);
  });
});
