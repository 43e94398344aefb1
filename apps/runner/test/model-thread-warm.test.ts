// The model thread loads the openai SDK, undici and the TypeScript loader (~0.7 s) before its first call: a server
// (and a worker) starts it when it starts, so that the first request served after a deploy does not pay for it,
// and a command that never calls a model (validate, a run of offline models) never starts it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { modelThread } from '../../../packages/core/src/node/providers/model-thread';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { startRedis, type TestRedis } from '../../../test/support/redis-server';
import { main } from '../src/cli/main';
import { startWorker } from '../src/worker';
import { echoPipeline, startTestRunner } from './support/test-runner';

describe('the model thread when a runner starts', () => {
  let stub: OpenAIStub;
  beforeAll(async () => {
    stub = await startOpenAIStub({ handler: () => ({ text: 'served' }) });
  });
  afterAll(() => stub.close());
  // Each case starts from no thread (one process: the thread is the process's).
  beforeEach(() => modelThread().stop());

  it('serve with a provider set up: the thread is up and loaded before the first call, which runs on it', async () => {
    const runner = await startTestRunner({ env: { STUB_BASE_URL: stub.url } });
    try {
      // Started as it listened, not at the first call.
      expect(modelThread().state).not.toBe('stopped');
      await expect.poll(() => modelThread().state, { timeout: 20_000 }).toBe('loaded');
      expect(stub.requests).toHaveLength(0);
      await runner.deploy(echoPipeline('served', 'stub:m1'));
      const res = await runner.post('/api/pipelines/served/run', { inputs: { question: 'hi' } });
      expect(await res.json()).toMatchObject({ status: 'succeeded', outputs: { answer: 'served' } });
      expect(stub.requests).toHaveLength(1);
    } finally {
      await runner.close();
    }
  });

  it.each([
    { what: 'no provider set up (only the ollama and vllm presets, which need nothing set)', env: {} },
    { what: 'PATCHBAY_MODEL_THREAD=0', env: { PATCHBAY_MODEL_THREAD: '0' } },
  ])('serve with $what: no thread', async ({ env }) => {
    const runner = await startTestRunner({ env: { ...env, ...(env.PATCHBAY_MODEL_THREAD ? { STUB_BASE_URL: stub.url } : {}) } });
    try {
      const model = env.PATCHBAY_MODEL_THREAD ? 'stub:m1' : 'offline:echo';
      await runner.deploy(echoPipeline('served', model));
      const res = await runner.post('/api/pipelines/served/run', { inputs: { question: 'hi' } });
      expect(await res.json()).toMatchObject({ status: 'succeeded' });
      expect(modelThread().state).toBe('stopped');
    } finally {
      await runner.close();
    }
  });

  it('CLI commands that call no model (validate, a run of an offline pipeline) do not start it, a provider set up or not', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-warm-cli-'));
    try {
      const file = path.join(dir, 'echo.json');
      fs.writeFileSync(file, JSON.stringify(echoPipeline('echo')));
      const io = { stdout: new PassThrough(), stderr: new PassThrough(), env: { STUB_BASE_URL: stub.url, PATCHBAY_DATA: path.join(dir, 'data') }, cwd: dir };
      expect(await main(['validate', file], io)).toBe(0);
      expect(await main(['run', file, '--input', 'question=hi'], io)).toBe(0);
      expect(modelThread().state).toBe('stopped');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('a worker', () => {
    let redis: TestRedis;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(() => redis.stop());

    it('with a provider set up starts and loads it when it starts, before its first job', async () => {
      const env = { STUB_BASE_URL: stub.url };
      const runner = await startTestRunner({ queue: { url: redis.url, work: false }, env });
      // The front door warmed it in this process too: only the worker's start is looked at.
      await modelThread().stop();
      const asked = stub.requests.length;
      const worker = await startWorker({ storeDir: runner.dataDir, queueUrl: redis.url, env, log: () => {} });
      try {
        expect(modelThread().state).not.toBe('stopped');
        await expect.poll(() => modelThread().state, { timeout: 20_000 }).toBe('loaded');
        expect(stub.requests).toHaveLength(asked);
      } finally {
        await worker.stop(0);
        await runner.close();
      }
    }, 60_000);
  });
});
