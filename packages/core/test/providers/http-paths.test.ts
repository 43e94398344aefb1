import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpenAICompatibleProvider } from '../../src/node/providers/openai-compatible';
import { listProviders } from '../../src/node/providers/presets';
import { startOpenAIStub, type OpenAIStub } from '../../../../test/support/openai-stub';

/**
 * The provider speaks HTTP through the openai SDK and undici's fetch, for whole replies and
 * streams alike: redirects, proxies and credentials in the base URL must behave the same on both.
 */

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return (server.address() as AddressInfo).port;
}

async function stub(): Promise<OpenAIStub> {
  const s = await startOpenAIStub();
  closers.push(() => s.close());
  return s;
}

const ask = (content: string) => ({ model: 'p:m', messages: [{ role: 'user' as const, content }] });
/** One whole reply and one streamed reply: the two paths a call can take. */
async function bothPaths(provider: ReturnType<typeof createOpenAICompatibleProvider>, question: string) {
  const whole = await provider.chat('m', ask(question));
  const tokens: string[] = [];
  const streamed = await provider.chat('m', ask(question), { onToken: (t) => tokens.push(t) });
  return { whole: whole.text, streamed: streamed.text, tokens: tokens.join('') };
}

describe('the provider over the SDK fetch', () => {
  it('keeps connections open between calls in turn', async () => {
    const s = await stub();
    // A front that counts connections and forwards each request to the stub. As a proxy does, it keeps the stub's
    // Connection and Keep-Alive headers to itself and announces its own idle timeout, a minute (undici keeps an
    // idle socket that long less 2 s). With the stub's 5 s undici closed one after 3 s, so a stall of a loaded
    // machine between two calls made a new connection; now only a pool that does not keep them alive makes one.
    let connections = 0;
    const front = http.createServer((req, res) => {
      const up = http.request(`${s.url.replace('/v1', '')}${req.url}`, { method: req.method, headers: req.headers }, (reply) => {
        const { connection: _connection, 'keep-alive': _keepAlive, ...headers } = reply.headers;
        res.writeHead(reply.statusCode ?? 502, headers);
        reply.pipe(res);
      });
      req.pipe(up);
    });
    front.keepAliveTimeout = 60_000;
    front.on('connection', () => connections++);
    const port = await listen(front);
    const provider = createOpenAICompatibleProvider({ name: 'p', baseURL: `http://127.0.0.1:${port}/v1` });
    for (let i = 0; i < 6; i++) expect((await provider.chat('m', ask(`hello ${i}`))).text).toBe(`hello ${i}`);
    // undici may open a second socket while the first is being handed back; never one per call.
    expect(connections).toBeLessThanOrEqual(2);
  });

  it('follows a redirect of the base URL for whole replies and streams', async () => {
    const s = await stub();
    const moved = http.createServer((req, res) => {
      req.resume();
      // 308 keeps the method and body, as a moved API endpoint would answer.
      res.writeHead(308, { location: `${s.url}${req.url!.replace(/^\/old/, '')}` });
      res.end();
    });
    const port = await listen(moved);
    const provider = createOpenAICompatibleProvider({ name: 'p', baseURL: `http://127.0.0.1:${port}/old`, maxRetries: 0 });
    expect(await bothPaths(provider, 'where did you go')).toEqual({ whole: 'where did you go', streamed: 'where did you go', tokens: 'where did you go' });
    expect(s.requests.map((r) => [r.path, r.body.messages[0].content])).toEqual([
      ['/v1/chat/completions', 'where did you go'],
      ['/v1/chat/completions', 'where did you go'],
    ]);
  });

  it('sends user:password from the base URL as basic auth on both paths, and never shows the password', async () => {
    const s = await stub();
    const base = s.url.replace('http://', 'http://me:s%3Acret@');
    const provider = createOpenAICompatibleProvider({ name: 'p', baseURL: base, maxRetries: 0 });
    expect(await bothPaths(provider, 'knock knock')).toMatchObject({ whole: 'knock knock', streamed: 'knock knock' });
    const basic = `Basic ${Buffer.from('me:s:cret').toString('base64')}`;
    expect(s.requests.map((r) => r.headers.authorization)).toEqual([basic, basic]);

    await s.close();
    const error = await provider.chat('m', ask('anyone?')).catch((err: Error) => err);
    expect(String(error)).toContain(`cannot reach ${s.url}`);
    expect(String(error)).not.toContain('cret');
    const listed = listProviders({ providers: { p: { baseURL: base } } }, {}).find((p) => p.name === 'p');
    expect(listed?.baseURL).toBe(s.url);
  });

  it('sends a password holding a % that is no escape as written, rather than failing to list the providers', async () => {
    const s = await stub();
    const base = s.url.replace('http://', 'http://me:100%zz-pw@');
    const provider = createOpenAICompatibleProvider({ name: 'p', baseURL: base, maxRetries: 0 });
    expect(await bothPaths(provider, 'knock knock')).toMatchObject({ whole: 'knock knock', streamed: 'knock knock' });
    const basic = `Basic ${Buffer.from('me:100%zz-pw').toString('base64')}`;
    expect(s.requests.map((r) => r.headers.authorization)).toEqual([basic, basic]);
    expect(listProviders({ providers: { p: { baseURL: base } } }, {}).find((p) => p.name === 'p')?.baseURL).toBe(s.url);
  });

  it('goes through the proxy named by HTTP_PROXY, except for hosts in NO_PROXY', async () => {
    const s = await stub();
    const tunnels: string[] = [];
    const sockets = new Set<net.Socket>();
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      sockets.add(client);
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    const proxyPort = await listen(proxy);
    // A tunnel leaves the server's hands: close them ourselves, or the proxy's close waits for them.
    closers.push(async () => sockets.forEach((socket) => socket.destroy()));
    const target = new URL(s.url).host;

    const proxied = createOpenAICompatibleProvider({ name: 'p', baseURL: s.url, maxRetries: 0, env: { HTTP_PROXY: `http://127.0.0.1:${proxyPort}` } });
    expect(await bothPaths(proxied, 'via proxy')).toMatchObject({ whole: 'via proxy', streamed: 'via proxy' });
    expect(tunnels.length).toBeGreaterThan(0);
    expect(new Set(tunnels)).toEqual(new Set([target]));

    const bypassed = createOpenAICompatibleProvider({ name: 'p', baseURL: s.url, maxRetries: 0, env: { HTTP_PROXY: `http://127.0.0.1:${proxyPort}`, NO_PROXY: '127.0.0.1' } });
    const before = tunnels.length;
    expect(await bothPaths(bypassed, 'direct')).toMatchObject({ whole: 'direct', streamed: 'direct' });
    expect(tunnels.length).toBe(before);
    expect(s.requests).toHaveLength(4);
  });

  it('reads a gzip-compressed reply', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(JSON.stringify({
        id: 'x', object: 'chat.completion', created: 0, model: 'm',
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'squeezed' } }],
      })));
    });
    const port = await listen(server);
    const provider = createOpenAICompatibleProvider({ name: 'p', baseURL: `http://127.0.0.1:${port}/v1` });
    expect((await provider.chat('m', ask('hello'))).text).toBe('squeezed');
  });

  it('names the network error of a server that is not there', async () => {
    const port = await listen(http.createServer());
    await closers.pop()!();
    const provider = createOpenAICompatibleProvider({ name: 'p', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
    await expect(provider.chat('m', ask('hello'))).rejects.toThrow(`p: cannot reach http://127.0.0.1:${port}/v1 (ECONNREFUSED)`);
  });

  it('sends a non-ASCII prompt whole', async () => {
    const s = await stub();
    const provider = createOpenAICompatibleProvider({ name: 'p', baseURL: s.url });
    const text = 'Grüße, 東京 🚀';
    expect(await bothPaths(provider, text)).toEqual({ whole: text, streamed: text, tokens: text });
    expect(Number(s.requests[0].headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(s.requests[0].body)));
  });
});
