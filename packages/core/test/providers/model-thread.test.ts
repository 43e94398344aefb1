import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createThreadedProvider, modelThread } from '../../src/node/providers/model-thread';
import { ProviderError } from '../../src/node/providers/provider-error';
import { startOpenAIStub, type OpenAIStub } from '../../../../test/support/openai-stub';

// What the model thread adds to a provider's behaviour (openai-compatible.test.ts runs every other
// behaviour on it too): a thread that dies, and a process whose only work left is a model call.
let stub: OpenAIStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const ask = (content: string) => ({ model: 'stub:m1', messages: [{ role: 'user' as const, content }] });

describe('the model thread', () => {
  it('fails the calls it had in words when it dies, and the next call starts another', async () => {
    stub = await startOpenAIStub({ handler: (req) => (req.body.messages[0].content === 'hang' ? { hang: 'before-response' } : { text: 'back again' }) });
    const provider = createThreadedProvider({ name: 'stub', baseURL: stub.url, timeoutMs: 60_000 });
    const whole = provider.chat('m1', ask('hang'));
    const streamed = provider.chat('m1', ask('hang'), { onToken: () => {} });
    await expect.poll(() => stub!.requests.length, { timeout: 30_000 }).toBe(2);
    await modelThread().stop();
    for (const call of [whole, streamed]) {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as Error).message).toMatch(/^stub: the model thread stopped \(it exited with code \d+\); the call was not finished$/);
    }
    expect((await provider.chat('m1', ask('again'))).text).toBe('back again');
  });

  it('starts and loads its modules when warmed, before any call, and a call then runs on that thread', async () => {
    await modelThread().stop();
    expect(modelThread().state).toBe('stopped');
    const warming = modelThread().warm();
    expect(modelThread().state).toBe('loading');
    await warming;
    expect(modelThread().state).toBe('loaded');
    stub = await startOpenAIStub({ handler: () => ({ text: 'warm' }) });
    expect(stub.requests).toHaveLength(0);
    expect((await createThreadedProvider({ name: 'stub', baseURL: stub.url }).chat('m1', ask('hi'))).text).toBe('warm');
    // The same thread: a warm with one running asks nothing more of it.
    await modelThread().warm();
    expect(modelThread().state).toBe('loaded');
  });

  // Started as `npm start` starts the runner (a V8 flag, which a worker may not be given), and as `node -e` runs a
  // script (--input-type, which a worker must not inherit): either way the call is made, and the process then ends.
  it.each([
    { how: 'node --max-semi-space-size=32 FILE', flags: ['--max-semi-space-size=32'], inline: false },
    { how: 'node --input-type=module -e SCRIPT', flags: ['--input-type=module'], inline: true },
  ])("lets a process whose only work is a model call print its answer, then end by itself ($how)", async ({ flags, inline }) => {
    stub = await startOpenAIStub({ handler: async () => (await new Promise((resolve) => setTimeout(resolve, 200)), { text: 'answered' }) });
    const script = `
      import { createThreadedProvider } from ${JSON.stringify(fileURLToPath(new URL('../../src/node/providers/model-thread.ts', import.meta.url)))};
      createThreadedProvider({ name: 'stub', baseURL: ${JSON.stringify(stub.url)} })
        .chat('m1', { model: 'stub:m1', messages: [{ role: 'user', content: 'hi' }] })
        .then((r) => console.log(r.text), (e) => console.log(e.message));
    `;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-model-thread-')), 'call.mjs');
    fs.writeFileSync(file, script);
    const child = spawn(process.execPath, [...flags, '--import', 'tsx', ...(inline ? ['-e', script] : [file])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    expect(err).toBe('');
    expect(out).toBe('answered\n');
    expect(code).toBe(0);
  }, 60_000);

  // A server warms the thread at start: one stopped before any call must not be held by the idle thread.
  it('lets a process that only warmed it end by itself', async () => {
    const script = `
      import { modelThread } from ${JSON.stringify(fileURLToPath(new URL('../../src/node/providers/model-thread.ts', import.meta.url)))};
      await modelThread().warm();
      console.log(modelThread().state);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const code = await Promise.race([exited, new Promise<'held'>((resolve) => setTimeout(() => resolve('held'), 20_000))]);
    if (code === 'held') child.kill('SIGKILL');
    expect(out).toBe('loaded\n');
    expect(code).toBe(0);
  }, 60_000);
});
