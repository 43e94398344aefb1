import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpenAICompatibleProvider } from '../../src/node/providers/openai-compatible';
import { startOpenAIStub } from '../../../../test/support/openai-stub';

/** Whole-reply calls go over node:http keep-alive sockets: what fetch did for the SDK must still hold. */

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function server(handler: http.RequestListener): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const s = http.createServer(handler);
  s.on('connection', () => connections++);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => { s.closeAllConnections(); s.close(() => resolve()); }));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1`, connections: () => connections };
}

const ask = (content: string) => ({ model: 'p:m', messages: [{ role: 'user' as const, content }] });
const completion = (text: string) => ({
  id: 'x', object: 'chat.completion', created: 0, model: 'm',
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: text } }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

describe('the whole-reply HTTP transport', () => {
  it('reuses one keep-alive connection for calls in turn', async () => {
    const s = await server((req, res) => {
      req.resume();
      req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(completion('hi'))); });
    });
    const provider = createOpenAICompatibleProvider({ name: 'p', baseURL: s.url });
    for (let i = 0; i < 3; i++) expect((await provider.chat('m', ask('hello'))).text).toBe('hi');
    expect(s.connections()).toBe(1);
  });

  it('reads a gzip-compressed reply as fetch would', async () => {
    const s = await server((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(JSON.stringify(completion('squeezed'))));
    });
    const provider = createOpenAICompatibleProvider({ name: 'p', baseURL: s.url });
    expect((await provider.chat('m', ask('hello'))).text).toBe('squeezed');
  });

  it('reads a reply that starts with a byte-order mark, as fetch would', async () => {
    const s = await server((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(completion('marked')))]));
    });
    const provider = createOpenAICompatibleProvider({ name: 'p', baseURL: s.url });
    expect((await provider.chat('m', ask('hello'))).text).toBe('marked');
  });

  it('names the network error of a server that is not there', async () => {
    const s = await server(() => {});
    await closers.pop()!();
    const provider = createOpenAICompatibleProvider({ name: 'p', baseURL: s.url, maxRetries: 0 });
    await expect(provider.chat('m', ask('hello'))).rejects.toThrow(`p: cannot reach ${s.url} (ECONNREFUSED)`);
  });

  it('gives up on a server that never answers, and stops at once when the caller cancels', async () => {
    const stub = await startOpenAIStub({ handler: () => ({ hang: 'before-response' }) });
    closers.push(() => stub.close());
    const slow = createOpenAICompatibleProvider({ name: 'p', baseURL: stub.url, timeoutMs: 200, maxRetries: 0 });
    await expect(slow.chat('m', ask('hello'))).rejects.toThrow(`p: no response within 200 ms from ${stub.url}`);

    const patient = createOpenAICompatibleProvider({ name: 'p', baseURL: stub.url, timeoutMs: 60_000 });
    const controller = new AbortController();
    const reason = new Error('run cancelled');
    const call = patient.chat('m', ask('hello'), { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    await expect(call).rejects.toBe(reason);
  });
});
