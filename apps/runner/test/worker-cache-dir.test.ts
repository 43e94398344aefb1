import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port';
import { startRedis } from '../../../test/support/redis-server';
import { baseEnv, spawnPatchbay } from './support/patchbay-process';
import { scaleServices } from './support/scale-services';

const BIN = fileURLToPath(new URL('../bin/patchbay.js', import.meta.url));

// `patchbay worker` keeps fetched index artifacts (and, on a data-dir store, model responses) in
// --cache-dir, by default a temp dir of its own: named by its pid, so no later worker reuses it.
describe("a worker's default cache dir", () => {
  const services = scaleServices();

  it('is removed when the worker stops on SIGTERM; a --cache-dir given is kept', async () => {
    // Each stopped worker left its /tmp/patchbay-worker-PID behind (135 of them on the machine of session 12).
    const worker = await spawnPatchbay(['worker', '--store', services.store, '--queue', services.redis.url, '--grace-ms', '500'], baseEnv(), /Patchbay worker (\d+) taking jobs/);
    const own = path.join(tmpdir(), `patchbay-worker-${worker.match[1]}`);
    expect(existsSync(own)).toBe(true);
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.output()).toBe(0);
    expect(existsSync(own)).toBe(false);

    const given = mkdtempSync(path.join(tmpdir(), 'patchbay-given-cache-'));
    try {
      const kept = await spawnPatchbay(['worker', '--store', services.store, '--queue', services.redis.url, '--grace-ms', '500', '--cache-dir', given], baseEnv(), /taking jobs/);
      kept.child.kill('SIGTERM');
      expect(await kept.exited, kept.output()).toBe(0);
      expect(existsSync(given)).toBe(true);
      // Its jobs read index artifacts (artifacts/): no retrieval.sqlite of its own, which nothing is ever indexed into.
      expect(readdirSync(given).filter((name) => name.startsWith('retrieval.sqlite'))).toEqual([]);
    } finally {
      rmSync(given, { recursive: true, force: true });
    }
  }, 120_000);

  it('is removed when the worker cannot start: a store out of reach is one line, exit 1, and no dir left behind', async () => {
    // It stayed until the next worker started on the machine: the store is opened after the dir is made.
    const tmp = mkdtempSync(path.join(tmpdir(), 'patchbay-worker-tmp-'));
    try {
      const gone = `postgres://patchbay@127.0.0.1:${(await freePort())}/nowhere`;
      const child = spawn(process.execPath, [BIN, 'worker', '--store', gone, '--queue', services.redis.url], { env: { ...baseEnv(), TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect({ code, stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/^patchbay worker: cannot open the store postgres:\/\/patchbay@127\.0\.0\.1:\d+\/nowhere: .+\n$/) });
      expect(readdirSync(tmp).filter((name) => name.startsWith('patchbay-'))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);

  it('is removed too when the stop is cut short at the grace (Redis gone, the queue cannot close)', async () => {
    const ownRedis = await startRedis();
    const worker = await spawnPatchbay(['worker', '--store', services.store, '--queue', ownRedis.url, '--grace-ms', '500'], baseEnv(), /Patchbay worker (\d+) taking jobs/);
    const own = path.join(tmpdir(), `patchbay-worker-${worker.match[1]}`);
    await ownRedis.stop();
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.output()).toBe(0);
    expect(existsSync(own)).toBe(false);
  }, 120_000);

  it("is removed by the next worker to start when its own worker was killed (kill -9, an OOM kill), and a live worker's is kept", async () => {
    // A killed worker never runs its stop: its /tmp/patchbay-worker-PID stayed for good (229 of them on this machine, most from tests' SIGKILLs).
    const killed = await spawnPatchbay(['worker', '--store', services.store, '--queue', services.redis.url, '--grace-ms', '500'], baseEnv(), /Patchbay worker (\d+) taking jobs/);
    const orphan = path.join(tmpdir(), `patchbay-worker-${killed.match[1]}`);
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(existsSync(orphan)).toBe(true);
    // A dir named by a pid that is alive (this test's own) belongs to a running worker: never touched.
    const live = path.join(tmpdir(), `patchbay-worker-${process.pid}`);
    const madeLive = !existsSync(live);
    if (madeLive) mkdirSync(live);
    const next = await spawnPatchbay(['worker', '--store', services.store, '--queue', services.redis.url, '--grace-ms', '500'], baseEnv(), /taking jobs/);
    try {
      expect(existsSync(orphan), next.output()).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      next.child.kill('SIGTERM');
      await next.exited;
      if (madeLive) rmSync(live, { recursive: true, force: true });
    }
  }, 120_000);
});

