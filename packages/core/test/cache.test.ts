import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../src/engine/services';
import { openResponseCache, type ResponseCache } from '../src/node/cache/response-cache';
import { withResponseCache } from '../src/node/cache/with-response-cache';
import { createModelService } from '../src/node/providers/model-service';
import { createOpenAICompatibleProvider } from '../src/node/providers/openai-compatible';
import { createServices } from '../src/node/services';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';

const SECRET = 'sk-live-SECRET-9f8e7d6c5b4a';
let dir: string;
let stub: OpenAIStub;
let cache: ResponseCache;
const closers: Array<() => unknown> = [];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'patchbay-cache-'));
  stub = await startOpenAIStub({ latencyMs: 20 });
  cache = openResponseCache(dir);
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  cache.close();
  await stub.close();
  rmSync(dir, { recursive: true, force: true });
});

function cachedService(policy = { enabled: true }) {
  const provider = createOpenAICompatibleProvider({ name: 'stub', baseURL: stub.url, apiKey: SECRET });
  return withResponseCache(createModelService({ stub: provider }), cache, policy);
}
const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'stub:m',
  messages: [{ role: 'user', content }],
  temperature: 0,
  ...extra,
});
const chatRequests = () => stub.requests.filter((r) => r.path === '/v1/chat/completions');

describe('response cache', () => {
  it('answers a repeated temperature-0 call from the cache, replaying the text to onToken', async () => {
    const models = cachedService();
    const first = await models.chat(ask('hello cache'));
    const tokens: string[] = [];
    const second = await models.chat(ask('hello cache'), { onToken: (t) => tokens.push(t) });
    expect(first.cached).toBeUndefined();
    expect(second).toMatchObject({ text: 'hello cache', cached: true, usage: first.usage, model: 'stub:m' });
    expect(tokens).toEqual(['hello cache']);
    expect(chatRequests()).toHaveLength(1);
  });

  it('misses when anything in the request differs', async () => {
    const models = cachedService();
    await models.chat(ask('a'));
    await models.chat(ask('b'));
    await models.chat(ask('a', { maxTokens: 5 }));
    await models.chat(ask('a', { model: 'stub:other' }));
    await models.chat(ask('a', { tools: [{ name: 't', description: 'd', parameters: { type: 'object' } }] }));
    await models.chat(ask('a', { jsonSchema: { type: 'object' } }));
    expect(chatRequests()).toHaveLength(6);
    await models.chat(ask('a'));
    expect(chatRequests()).toHaveLength(6);
  });

  it('does not cache a non-zero or unset temperature unless the call opts in', async () => {
    const models = cachedService();
    await models.chat(ask('warm', { temperature: 0.7 }));
    await models.chat(ask('warm', { temperature: 0.7 }));
    await models.chat(ask('unset', { temperature: undefined }));
    await models.chat(ask('unset', { temperature: undefined }));
    expect(chatRequests()).toHaveLength(4);
    const optIn = { cache: true };
    await models.chat(ask('warm', { temperature: 0.7 }), optIn);
    const hit = await models.chat(ask('warm', { temperature: 0.7 }), optIn);
    expect(hit.cached).toBe(true);
    expect(chatRequests()).toHaveLength(5);
  });

  it('shares one provider call among identical requests in flight', async () => {
    const models = cachedService();
    const results = await Promise.all(Array.from({ length: 5 }, () => models.chat(ask('together now'))));
    expect(chatRequests()).toHaveLength(1);
    expect(results.map((r) => r.text)).toEqual(Array(5).fill('together now'));
    expect(results.filter((r) => r.cached)).toHaveLength(4);
  });

  it('lets a waiting caller cancel without cancelling the call it shares', async () => {
    const models = cachedService();
    const controller = new AbortController();
    const leader = models.chat(ask('shared'));
    const follower = models.chat(ask('shared'), { signal: controller.signal });
    controller.abort(new Error('follower cancelled'));
    await expect(follower).rejects.toThrow('follower cancelled');
    await expect(leader).resolves.toMatchObject({ text: 'shared' });
    expect(chatRequests()).toHaveLength(1);
  });

  it('does not store a failed call', async () => {
    await stub.close();
    stub = await startOpenAIStub({ handler: (r) => (r.count === 1 ? { status: 400 } : {}) });
    const models = cachedService();
    await expect(models.chat(ask('retry me'))).rejects.toThrow('HTTP 400');
    await expect(models.chat(ask('retry me'))).resolves.toMatchObject({ text: 'retry me' });
    expect(chatRequests()).toHaveLength(2);
  });

  it('keeps replies across processes in <dataDir>/cache.sqlite', async () => {
    await cachedService().chat(ask('persist me'));
    cache.close();
    cache = openResponseCache(dir);
    await stub.close();
    stub = await startOpenAIStub({ handler: () => ({ status: 500 }) });
    const again = await cachedService().chat(ask('persist me'));
    expect(again).toMatchObject({ text: 'persist me', cached: true });
    expect(stub.requests).toHaveLength(0);
  });

  it('writes replies in batches that another connection sees: when enough wait, shortly after a put, and at close', async () => {
    const reply = (i: number) => ({ text: `r${i}`, toolCalls: [], usage: null, costUsd: null, model: 'stub:m' });
    const onDisk = () => {
      const reader = new Database(cache.file, { readonly: true });
      try {
        return (reader.prepare('SELECT count(*) AS n FROM chat').get() as { n: number }).n;
      } finally {
        reader.close();
      }
    };
    for (let i = 0; i < 300; i++) cache.putChat(`k${i}`, reply(i));
    expect(cache.getChat('k299')).toMatchObject({ text: 'r299' });
    expect(onDisk()).toBeGreaterThanOrEqual(256);
    for (let waited = 0; onDisk() < 300 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(onDisk()).toBe(300);
    cache.putChat('last', reply(300));
    cache.close();
    expect(onDisk()).toBe(301);
  });

  it('copies its rows into the database file while it stays open (a checkpoint thread), so the WAL does not grow without bound', async () => {
    const reply = (i: number) => ({ text: `r${i} ${'x'.repeat(3000)}`, toolCalls: [], usage: null, costUsd: null, model: 'stub:m' });
    const before = statSync(cache.file).size;
    for (let i = 0; i < 600; i++) cache.putChat(`k${i}`, reply(i));
    // 256 rows of 3 KB each at least, once a checkpoint has run.
    const copied = () => statSync(cache.file).size - before > 256 * 3000;
    for (let waited = 0; !copied() && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(copied()).toBe(true);
    expect(cache.getChat('k599')).toMatchObject({ text: expect.stringMatching(/^r599 /) });
  }, 15_000);

  it('still writes the last batch of a process that ends by process.exit() without closing', () => {
    const module = path.join(import.meta.dirname, '../src/node/cache/response-cache.ts');
    const script = `import { openResponseCache } from ${JSON.stringify(module)};
      openResponseCache(${JSON.stringify(dir)}).putChat('k', { text: 'bye', toolCalls: [], usage: null, costUsd: null, model: 'stub:m' });
      process.exit(0);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    expect(cache.getChat('k')).toMatchObject({ text: 'bye' });
  });

  it('caches embeddings per text, asking the provider only for the new ones', async () => {
    const models = cachedService();
    const first = await models.embed('stub:emb', ['alpha', 'beta']);
    const second = await models.embed('stub:emb', ['beta', 'gamma']);
    expect(second[0]).toEqual(first[1]);
    const sent = stub.requests.filter((r) => r.path === '/v1/embeddings').map((r) => r.body.input);
    expect(sent).toEqual([['alpha', 'beta'], ['gamma']]);
  });

  it('is off when disabled', async () => {
    const models = cachedService({ enabled: false });
    await models.chat(ask('x'));
    await models.chat(ask('x'));
    expect(chatRequests()).toHaveLength(2);
  });
});

describe('response cache through createServices', () => {
  const env = () => ({ FIREWORKS_BASE_URL: stub.url, FIREWORKS_API_KEY: SECRET });

  it('never puts a key in a cache key or the cache file, and a new key still hits', async () => {
    const services = await createServices({ dataDir: dir, env: env() });
    closers.push(() => services.close());
    await services.models.chat({ ...ask('secret-free?'), model: 'fireworks:m' });
    await services.models.embed('fireworks:emb', ['some text']);
    expect(stub.requests[0].headers.authorization).toBe(`Bearer ${SECRET}`);

    const other = await createServices({ dataDir: dir, env: { ...env(), FIREWORKS_API_KEY: 'sk-another-key-1234' } });
    closers.push(() => other.close());
    const hit = await other.models.chat({ ...ask('secret-free?'), model: 'fireworks:m' });
    expect(hit.cached).toBe(true);
    expect(stub.requests).toHaveLength(2);

    await services.close();
    await other.close();
    // Every byte SQLite wrote (main file and WAL): the reply is there, the key is not.
    const bytes = Buffer.concat(
      ['cache.sqlite', 'cache.sqlite-wal', 'cache.sqlite-shm'].map((n) => path.join(dir, n)).filter(existsSync).map((f) => readFileSync(f)),
    );
    expect(bytes.includes('secret-free?')).toBe(true);
    expect(bytes.includes(SECRET)).toBe(false);
    expect(bytes.includes('sk-another-key-1234')).toBe(false);
  });

  it('--no-cache sends every call and creates no cache file', async () => {
    const services = await createServices({ dataDir: dir, env: env(), noCache: true });
    closers.push(() => services.close());
    cache.close();
    rmSync(path.join(dir, 'cache.sqlite'), { force: true });
    await services.models.chat({ ...ask('again'), model: 'fireworks:m' });
    await services.models.chat({ ...ask('again'), model: 'fireworks:m' });
    expect(chatRequests()).toHaveLength(2);
    expect(existsSync(path.join(dir, 'cache.sqlite'))).toBe(false);
  });

  it('caches any temperature when the config opts in, and nothing when it turns the cache off', async () => {
    const warm = { ...ask('warm call', { temperature: 0.8 }), model: 'fireworks:m' };
    writeFileSync(path.join(dir, 'patchbay.config.json'), JSON.stringify({ cache: { anyTemperature: true } }));
    const optIn = await createServices({ dataDir: dir, env: env() });
    closers.push(() => optIn.close());
    await optIn.models.chat(warm);
    expect(await optIn.models.chat(warm)).toMatchObject({ cached: true });
    expect(chatRequests()).toHaveLength(1);

    const offDir = mkdtempSync(path.join(tmpdir(), 'patchbay-cache-off-'));
    writeFileSync(path.join(offDir, 'patchbay.config.json'), JSON.stringify({ cache: { enabled: false } }));
    const off = await createServices({ dataDir: offDir, env: env() });
    closers.push(() => off.close());
    closers.push(() => rmSync(offDir, { recursive: true, force: true }));
    await off.models.chat({ ...ask('cold call'), model: 'fireworks:m' });
    await off.models.chat({ ...ask('cold call'), model: 'fireworks:m' });
    expect(chatRequests()).toHaveLength(3);
    expect(existsSync(path.join(offDir, 'cache.sqlite'))).toBe(false);
  });
});
