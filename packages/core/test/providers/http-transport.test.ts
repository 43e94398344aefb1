import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpTransport, ReplyHeaders } from '../../src/node/providers/http-transport';
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

  it('sends a non-ASCII body whole, with its length in bytes, and user:password from the URL as basic auth', async () => {
    let got = { body: '', length: '', auth: '' };
    const s = await server((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got = { body: Buffer.concat(chunks).toString('utf8'), length: req.headers['content-length'] ?? '', auth: req.headers.authorization ?? '' };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    const send = createHttpTransport();
    const text = JSON.stringify({ q: 'Grüße, 東京 🚀' });
    const response = await send(s.url.replace('http://', 'http://me:s%3Acret@') + '/echo', { method: 'POST', body: text, headers: { 'Content-Type': 'application/json' } });
    expect(response.status).toBe(200);
    expect(got.body).toBe(text);
    expect(got.length).toBe(String(Buffer.byteLength(text)));
    expect(got.auth).toBe(`Basic ${Buffer.from('me:s:cret').toString('base64')}`);
  });

  it('hands on reply headers as fetch reads them: any case, repeats joined, sorted by name', async () => {
    const s = await server((req, res) => {
      req.resume();
      res.setHeader('X-Request-Id', 'req_1');
      res.setHeader('Vary', ['Origin', 'Accept']);
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    const response = await createHttpTransport()(s.url + '/h', { method: 'GET' });
    const expected = await fetch(s.url + '/h');
    expect(response.headers.get('x-request-id')).toBe('req_1');
    expect(response.headers.get('X-REQUEST-ID')).toBe('req_1');
    expect(response.headers.get('vary')).toBe(expected.headers.get('vary'));
    expect(response.headers.has('Content-Type')).toBe(true);
    expect(response.headers.get('missing')).toBeNull();
    // Same names and values as fetch's Headers, in the same order (minus connection details fetch keeps to itself).
    const names = (h: Iterable<[string, string]>) => [...h].filter(([n]) => n !== 'keep-alive' && n !== 'connection' && n !== 'date');
    expect(names(response.headers.entries())).toEqual(names(expected.headers.entries()));
    expect(await response.json()).toEqual({ ok: true });
    expect(new ReplyHeaders([['A', '1'], ['a', '2']]).get('a')).toBe('1, 2');
  });
});
