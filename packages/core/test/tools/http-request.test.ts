import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { refusalReason } from '../../src/node/tools/address-guard';
import { createSandbox } from '../../src/node/tools/sandbox';
import { createToolService, type WorkspaceToolService } from '../../src/node/tools/tool-service';

// DNS itself is the outside system here: one name whose lookup never answers (a resolver that is down
// takes tens of seconds per attempt); every other name resolves as usual.
const SILENT_DNS_HOST = 'dns-never-answers.example';
vi.mock('node:dns/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:dns/promises')>();
  const lookup = (host: string, options: object) => (host === SILENT_DNS_HOST ? new Promise(() => {}) : real.lookup(host, options as never));
  return { ...real, default: { ...real, lookup }, lookup };
});

/** A page on loopback; `/to?url=X` redirects there, `/big` is 5 kB, `/hang` never answers. */
let server: http.Server;
let origin: string;
let port: number;
let otherPort: number;
let otherServer: http.Server;
const hits: string[] = [];
let dataDir: string;
const services: WorkspaceToolService[] = [];

function listen(s: http.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => s.listen(0, host, () => resolve((s.address() as AddressInfo).port)));
}

function tools(http?: { allowHosts?: string[]; timeoutMs?: number; maxBytes?: number }) {
  const service = createToolService({ dataDir, sandbox: createSandbox(), config: { tools: { http } } });
  services.push(service);
  return service;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'patchbay-http-'));
  server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/to') return res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('url')! }).end();
    if (url.pathname === '/big') return res.end('x'.repeat(5000));
    if (url.pathname === '/hang') return; // never answers
    // A body in the charset its content type names (not UTF-8): `bytes` as hex.
    if (url.pathname === '/encoded') return res.writeHead(200, { 'content-type': url.searchParams.get('type')! }).end(Buffer.from(url.searchParams.get('bytes')!, 'hex'));
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, path: url.pathname, body, type: req.headers['content-type'] ?? null }));
    });
  });
  port = await listen(server);
  origin = `http://127.0.0.1:${port}`;
  otherServer = http.createServer((_req, res) => res.end('other server'));
  otherPort = await listen(otherServer);
});

afterAll(async () => {
  await Promise.all(services.map((s) => s.close()));
  server.closeAllConnections();
  server.close();
  otherServer.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('http_request: address guard', () => {
  it('refuses loopback by default, before sending anything', async () => {
    const before = hits.length;
    await expect(tools().call('http_request', { url: `${origin}/page`, method: 'GET' })).rejects.toThrow(
      `tool "http_request": refused ${origin}: 127.0.0.1 is a loopback address; add the host to tools.http.allowHosts to allow it`,
    );
    expect(hits.length).toBe(before);
  });

  it('fetches the same page once 127.0.0.1 is allow-listed', async () => {
    const result = await tools({ allowHosts: ['127.0.0.1'] }).call('http_request', { url: `${origin}/page`, method: 'GET' });
    expect(result).toEqual({
      status: 200,
      url: `${origin}/page`,
      contentType: 'application/json',
      body: JSON.stringify({ method: 'GET', path: '/page', body: '', type: null }),
    });
  });

  it('refuses private, link-local and metadata addresses without connecting', async () => {
    const t = tools();
    await expect(t.call('http_request', { url: 'http://10.0.0.1/admin', method: 'GET' })).rejects.toThrow('10.0.0.1 is a private address');
    await expect(t.call('http_request', { url: 'http://169.254.169.254/latest/meta-data/', method: 'GET' })).rejects.toThrow(
      '169.254.169.254 is a cloud metadata address',
    );
    await expect(t.call('http_request', { url: 'http://[::ffff:192.168.1.1]/', method: 'GET' })).rejects.toThrow('is a private address');
  });

  it('checks the address a name resolves to: localhost is loopback even when 127.0.0.1 is allowed', async () => {
    await expect(tools({ allowHosts: ['127.0.0.1'] }).call('http_request', { url: `http://localhost:${port}/`, method: 'GET' })).rejects.toThrow(
      /refused http:\/\/localhost:\d+: .* is a loopback address \(localhost resolves to it\)/,
    );
  });

  it('connects to the checked address of an allow-listed name', async () => {
    const local = http.createServer((_req, res) => res.end('via localhost'));
    const localPort = await listen(local, 'localhost');
    try {
      const result = await tools({ allowHosts: ['localhost'] }).call('http_request', { url: `http://localhost:${localPort}/`, method: 'GET' });
      expect(result).toMatchObject({ status: 200, body: 'via localhost' });
    } finally {
      local.close();
    }
  });

  it('checks every redirect: to a loopback name, and to a port the allowlist does not name', async () => {
    const t = tools({ allowHosts: [`127.0.0.1:${port}`] });
    const toLocalhost = `${origin}/to?url=${encodeURIComponent(`http://localhost:${port}/page`)}`;
    await expect(t.call('http_request', { url: toLocalhost, method: 'GET' })).rejects.toThrow(/refused http:\/\/localhost:\d+: .*loopback/);
    const toOtherPort = `${origin}/to?url=${encodeURIComponent(`http://127.0.0.1:${otherPort}/`)}`;
    await expect(t.call('http_request', { url: toOtherPort, method: 'GET' })).rejects.toThrow(`refused http://127.0.0.1:${otherPort}: 127.0.0.1 is a loopback address`);
    await expect(t.call('http_request', { url: `http://127.0.0.1:${otherPort}/`, method: 'GET' })).rejects.toThrow(/refused/);
  });

  it('follows allowed redirects (303 turns POST into GET) and stops after 5', async () => {
    const t = tools({ allowHosts: ['127.0.0.1'] });
    const see = `${origin}/to?status=303&url=${encodeURIComponent('/landed')}`;
    expect(await t.call('http_request', { url: see, method: 'POST', body: { a: 1 } })).toMatchObject({
      url: `${origin}/landed`,
      body: JSON.stringify({ method: 'GET', path: '/landed', body: '', type: null }),
    });
    const keep = `${origin}/to?status=307&url=${encodeURIComponent('/kept')}`;
    expect(JSON.parse(((await t.call('http_request', { url: keep, method: 'POST', body: { a: 1 } })) as { body: string }).body)).toEqual({
      method: 'POST',
      path: '/kept',
      body: '{"a":1}',
      type: 'application/json',
    });
    let loop = `${origin}/page`;
    for (let i = 0; i < 6; i++) loop = `${origin}/to?url=${encodeURIComponent(loop)}`;
    await expect(t.call('http_request', { url: loop, method: 'GET' })).rejects.toThrow('more than 5 redirects');
  });
});

describe('http_request: limits and arguments', () => {
  it('stops reading a response over maxBytes', async () => {
    await expect(tools({ allowHosts: ['127.0.0.1'], maxBytes: 1000 }).call('http_request', { url: `${origin}/big`, method: 'GET' })).rejects.toThrow(
      /over the 1000-byte limit/,
    );
  });

  it('gives up on a server that does not answer within timeoutMs', async () => {
    await expect(tools({ allowHosts: ['127.0.0.1'], timeoutMs: 300 }).call('http_request', { url: `${origin}/hang`, method: 'GET' })).rejects.toThrow(
      `tool "http_request": GET ${origin}/hang: no response within 300 ms`,
    );
  });

  it('counts the DNS lookup in timeoutMs: a resolver that never answers is given up on', async () => {
    const started = Date.now();
    await expect(tools({ timeoutMs: 300 }).call('http_request', { url: `http://${SILENT_DNS_HOST}/`, method: 'GET' })).rejects.toThrow(
      `tool "http_request": GET http://${SILENT_DNS_HOST}/: no response within 300 ms`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('says "no response" when a redirect\'s next hop never answers, not the previous hop\'s response', async () => {
    // The 302 comes in milliseconds; 3000 ms keeps a loaded machine from hitting the deadline on the first hop.
    const to = `${origin}/to?url=${encodeURIComponent(`http://${SILENT_DNS_HOST}/`)}`;
    await expect(tools({ allowHosts: ['127.0.0.1'], timeoutMs: 3000 }).call('http_request', { url: to, method: 'GET' })).rejects.toThrow(
      `tool "http_request": GET http://${SILENT_DNS_HOST}/: no response within 3000 ms`,
    );
  });

  it('reads the body in the charset its content type names, UTF-8 otherwise', async () => {
    const t = tools({ allowHosts: ['127.0.0.1'] });
    const body = async (type: string, bytes: string) =>
      ((await t.call('http_request', { url: `${origin}/encoded?type=${encodeURIComponent(type)}&bytes=${bytes}`, method: 'GET' })) as { body: string }).body;
    // "café 50 €" in windows-1252 (é e9, € 80), in ISO-8859-1 (é e9), "こんにちは" in Shift_JIS: before, each was read as UTF-8 ("caf� 50 �").
    expect(await body('text/html; charset=windows-1252', '636166e92035302080')).toBe('café 50 €');
    expect(await body('text/plain; charset="ISO-8859-1"', '636166e9')).toBe('café');
    expect(await body('text/plain;charset=Shift_JIS', '82b182f182c982bf82cd')).toBe('こんにちは');
    // No charset, or one nobody knows: UTF-8, as before.
    expect(await body('application/json', '7b2261223a22c3a9227d')).toBe('{"a":"é"}');
    expect(await body('text/plain; charset=no-such-charset', '63616663c3a9')).toBe('cafcé');
  });

  it('rejects bad arguments before any request', async () => {
    const t = tools({ allowHosts: ['127.0.0.1'] });
    await expect(t.call('http_request', { url: origin, method: 'DELETE' })).rejects.toThrow(
      'tool "http_request": invalid arguments: /method must be equal to one of the allowed values: GET, POST',
    );
    await expect(t.call('http_request', { url: 'file:///etc/passwd', method: 'GET' })).rejects.toThrow('invalid arguments: /url must match pattern');
    await expect(t.call('http_request', { method: 'GET' })).rejects.toThrow("invalid arguments: (arguments) must have required property 'url'");
  });
});

describe('refusalReason', () => {
  it('passes only public unicast addresses', () => {
    expect(refusalReason('93.184.216.34')).toBeNull();
    expect(refusalReason('2606:4700:4700::1111')).toBeNull();
    for (const [address, reason] of [
      ['127.0.0.2', 'loopback'],
      ['::1', 'loopback'],
      ['172.16.5.4', 'private'],
      ['192.168.0.1', 'private'],
      ['fd12::1', 'private'],
      ['fe80::1', 'link-local'],
      ['169.254.1.1', 'link-local'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['100.100.100.200', 'cloud metadata'],
      ['fd00:ec2::254', 'cloud metadata'],
    ]) {
      expect(refusalReason(address)).toContain(reason);
    }
  });

  it('refuses IPv6 outside the global unicast block 2000::/3, which ipaddr.js calls plain unicast', () => {
    // IPv4-compatible ::127.0.0.1 and ::169.254.169.254 (some stacks route them to the IPv4 address), and unassigned space.
    for (const address of ['::7f00:1', '::a9fe:a9fe', '::1:0:0:0', '1::1', '4000::1']) {
      expect(refusalReason(address)).toBe(`${address} is not a global unicast address (outside 2000::/3)`);
    }
    expect(refusalReason('2620:0:2d0:200::7')).toBeNull();
  });
});
