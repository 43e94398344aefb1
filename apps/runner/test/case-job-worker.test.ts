import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingServices } from '@patchbay/core';
import { createModelService, createOfflineProvider } from '@patchbay/core/node';
import { parseSuite } from '@patchbay/evals';
import { startRedis, type TestRedis } from '../../../test/support/redis-server';
import { CaseJobWorker } from '../src/evals/case-job-worker';
import { CancelChannel } from '../src/queue/cancel-channel';
import { CASE_QUEUE, caseJobId, caseKeys, type CaseJobData, type EvalCaseSpec } from '../src/queue/case-jobs';
import { openSqliteStore, type SqliteStore } from '../src/store/index';
import { echoPipeline } from './support/test-runner';

// A worker process lives through many evals: what it keeps for one (its case runner) goes once the eval is idle.
describe('CaseJobWorker', () => {
  const prefix = 'cjw';
  let redis: TestRedis;
  let client: Redis;
  let queue: Queue;
  let cancels: CancelChannel;
  let dir: string;
  let store: SqliteStore;
  let worker: CaseJobWorker;
  const lines: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    queue = new Queue(CASE_QUEUE, { connection: client, prefix, skipVersionCheck: true });
    cancels = new CancelChannel(redis.url, prefix);
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-case-worker-'));
    store = openSqliteStore(dir);
    const services = { ...missingServices(), models: createModelService({ offline: createOfflineProvider() }) };
    worker = new CaseJobWorker({ url: redis.url, prefix, redis: client, cancels, store, services, concurrency: 2, idleMs: 1_000, log: (line) => lines.push(line) });
  });

  afterAll(async () => {
    await worker?.close(0);
    await queue?.close();
    await cancels?.close();
    client?.disconnect();
    await store?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function runCase(evalId: string, question: string) {
    const spec: EvalCaseSpec = { pipeline: echoPipeline('echo') as EvalCaseSpec['pipeline'], scorers: parseSuite({ format: 'patchbay.eval/v1', dataset: [], scorers: [{ name: 'same', type: 'exact', target: 'answer' }] }, { label: 'suite', baseDir: dir }).scorers, cached: false, concurrency: 2 };
    await client.set(caseKeys(prefix, evalId).spec, JSON.stringify(spec));
    await store.evals.create({ id: evalId, pipeline: 'echo', version: null, dataset: { name: 'd', hash: 'h', cases: 1 }, total: 1, baseline: null, spec: { suite: 's', scorers: [{ name: 'same' }], repeat: 1, seed: 'x', behaviorHash: 'b' }, createdAt: Date.now(), owner: null });
    const data: CaseJobData = { evalId, key: 'c1#0', case: { id: 'c1', input: { question }, expected: question }, repeat: 0, position: 0, attempt: 1, last: false };
    await queue.add(CASE_QUEUE, data, { jobId: caseJobId(evalId, 'c1', 0, 1), removeOnComplete: true });
    await expect.poll(() => store.evals.readCase(evalId, 'c1', 0), { timeout: 15_000 }).toMatchObject({ status: 'passed', outputs: { answer: question } });
  }

  it('runs and records the cases of several evals, and drops each eval\'s runner once it has been idle', async () => {
    await runCase('eval-a', 'first question');
    await runCase('eval-b', 'second question');
    expect(worker.evalsHeld).toBeGreaterThanOrEqual(1);
    // No case of either for longer than idleMs: nothing of them is kept.
    await expect.poll(() => worker.evalsHeld, { timeout: 10_000 }).toBe(0);
    // A later case of a dropped eval builds its runner again from the spec.
    await runCase('eval-c', 'third question');
    expect((await store.evals.readCase('eval-c', 'c1', 0))?.outputs).toEqual({ answer: 'third question' });
  });

  // Someone (a script, another version) pushed a job that is not a case: one clear line naming the queue, the job and
  // what is wrong (names and paths, never a value: a case's input may hold a secret), the job failed for that reason
  // and kept so, and the worker goes on with the next cases.
  it('fails a malformed job with one line saying what is wrong, and goes on', async () => {
    const secret = 'sk-do-not-log-0123456789';
    const malformed: [string, unknown][] = [
      ['empty', {}],
      ['nothing', null],
      ['half', { evalId: 'eval-h', key: 'c1#0', case: { input: { question: secret } }, repeat: 0, position: 0, attempt: 1, last: false }],
    ];
    for (const [jobId, data] of malformed) await queue.add(CASE_QUEUE, data as CaseJobData, { jobId });
    const failed = (jobId: string) => queue.getJob(jobId).then(async (job) => ({ state: await job?.getState(), reason: job?.failedReason }));
    await expect.poll(() => Promise.all(malformed.map(([jobId]) => failed(jobId).then((f) => f.state))), { timeout: 15_000 }).toEqual(['failed', 'failed', 'failed']);
    expect(await failed('empty')).toEqual({ state: 'failed', reason: 'case queue: job empty is malformed, $.evalId is required (and 6 more); it is failed, not run' });
    expect(await failed('nothing')).toEqual({ state: 'failed', reason: 'case queue: job nothing is malformed, $ must be an object (it is null); it is failed, not run' });
    expect(await failed('half')).toEqual({ state: 'failed', reason: 'case queue: job half is malformed, $.case.id is required; it is failed, not run' });
    const said = lines.filter((line) => line.includes('malformed') || line.includes('Cannot read'));
    expect(said).toEqual(expect.arrayContaining([(await failed('empty')).reason, (await failed('nothing')).reason, (await failed('half')).reason]));
    expect(said).toHaveLength(3);
    expect(lines.join('\n')).not.toContain(secret);
    // Later cases run as before.
    await runCase('eval-after', 'still working');
  });
});
