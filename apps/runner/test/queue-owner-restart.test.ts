import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../../../test/support/redis-server';
import { openSqliteStore } from '../src/store/index';
import { baseEnv, spawnPatchbay, type PatchbayProcess } from './support/patchbay-process';

// docs/scaling.md, Limits: the first process to start claims the queue's Redis database for its store, so a
// worker given another --store is refused. A Redis without persistence that restarts comes back empty, and the
// claim went with it: the running workers went on without one, and the next stray worker of another store
// took their jobs and claimed the queue for itself (the deployment's next own worker was then refused).
describe('the queue claimed for its store, after Redis comes back empty', () => {
  let redis: TestRedis;
  const dirs: string[] = [];
  const started: PatchbayProcess[] = [];
  const dataDir = async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-claim-'));
    dirs.push(dir);
    await openSqliteStore(dir).close();
    return dir;
  };
  const worker = (store: string) => spawnPatchbay(['worker', '--store', store, '--queue', redis.url], { ...baseEnv(), PATCHBAY_DEMO: '0' }, /taking jobs/);

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const p of started) p.child.kill('SIGKILL');
    await redis?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('is claimed again by the workers already running, so a worker of another store is still refused: one line, exit 2', async () => {
    const ours = worker(await dataDir());
    started.push(await ours);
    const claim = async () => {
      const client = new Redis(redis.url);
      try {
        return await client.get('patchbay:store');
      } finally {
        client.disconnect();
      }
    };
    const owner = await claim();
    expect(owner).toMatch(/@/);

    await redis.restart(); // no persistence: it comes back empty, the claim with it
    // the running worker reconnects and claims the queue for its store again (it may have done so already)
    await expect.poll(claim, { timeout: 30_000 }).toBe(owner);

    const stray = worker(await dataDir());
    void stray.then((p) => started.push(p), () => {});
    await expect(stray).rejects.toThrow(/exited \(2\) before it was ready/);
    const output = await stray.then(() => '', (err: Error) => err.message.replace(/^[^:]*: /, ''));
    expect(output.trim().split('\n')).toEqual([expect.stringMatching(/^patchbay worker: the queue at redis:\/\/127\.0\.0\.1:\d+ carries the jobs of another store/)]);
  }, 120_000);
});
