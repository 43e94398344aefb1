import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineDocument } from '@patchbay/core';
import { createModelService, createOfflineProvider } from '@patchbay/core/node';
import { startRedis, type TestRedis } from '../../../test/support/redis-server';
import { BullmqJobRegistry } from '../src/jobs/bullmq-registry';
import { RunManager } from '../src/runs/run-manager';
import { openSqliteStore, type SqliteStore } from '../src/store/index';
import { echoPipeline } from './support/test-runner';

// Someone (a script, another version) pushed a job onto the `run` queue that is not a run: the worker says what is
// wrong in one line naming the queue and the job (paths, never a value: a run's inputs may hold a secret), fails
// the job for that reason (BullMQ keeps it, failed) and goes on with the next runs.
describe('a malformed job on the run queue (a real redis-server)', () => {
  let redis: TestRedis;
  let client: Redis;
  let queue: Queue;
  let jobs: BullmqJobRegistry;
  let store: SqliteStore;
  let runs: RunManager;
  const lines: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('run', { connection: client, prefix: 'patchbay', skipVersionCheck: true });
    jobs = new BullmqJobRegistry({ url: redis.url, work: true, concurrency: 2, log: (line) => lines.push(line) });
    store = openSqliteStore(':memory:');
    runs = new RunManager({ store: store.runs, services: { models: createModelService({ offline: createOfflineProvider() }) }, jobs, commitEachRun: true });
    await jobs.ready();
  });

  afterAll(async () => {
    await jobs?.cancelAll({ waitMs: 2_000 });
    await jobs?.close();
    await queue?.close();
    client?.disconnect();
    await store?.close();
    await redis?.stop();
  });

  it('fails it with one line saying what is wrong, and runs the next runs', async () => {
    const secret = 'sk-do-not-log-0123456789';
    const malformed: [string, unknown][] = [
      ['empty', {}],
      ['nothing', null],
      ['half', { id: 'run-half', startedAt: Date.now(), inputs: { question: secret }, pipeline: null, version: null, inline: true }],
    ];
    for (const [jobId, data] of malformed) await queue.add('run', data, { jobId });
    const failed = (jobId: string) => queue.getJob(jobId).then(async (job) => ({ state: await job?.getState(), reason: job?.failedReason }));
    await expect.poll(() => Promise.all(malformed.map(([jobId]) => failed(jobId).then((f) => f.state))), { timeout: 15_000 }).toEqual(['failed', 'failed', 'failed']);
    expect(await failed('empty')).toEqual({ state: 'failed', reason: 'run queue: job empty is malformed, $.id is required (and 6 more); it is failed, not run' });
    expect(await failed('nothing')).toEqual({ state: 'failed', reason: 'run queue: job nothing is malformed, $ must be an object (it is null); it is failed, not run' });
    expect(await failed('half')).toEqual({ state: 'failed', reason: 'run queue: job half is malformed, $.document is required; it is failed, not run' });
    const reasons = await Promise.all(malformed.map(([jobId]) => failed(jobId).then((f) => f.reason)));
    expect(lines.filter((line) => line.startsWith('run ')).sort()).toEqual(reasons.sort());
    expect(lines.join('\n')).not.toContain(secret);
    expect(await store.runs.get('run-half')).toBeUndefined();
    // Later runs run as before.
    const id = await runs.start({ document: echoPipeline() as unknown as PipelineDocument, inputs: { question: 'hello' }, pipeline: null, version: null, inline: true });
    await expect.poll(async () => (await store.runs.get(id))?.status, { timeout: 15_000 }).toBe('succeeded');
    expect((await store.runs.get(id))?.outputs).toEqual({ answer: 'hello' });
  });
});
