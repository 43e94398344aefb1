import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineDocument } from '../../src/schema/pipeline';
import { runPipeline } from '../../src/engine/run-pipeline';
import { createServices, type WorkspaceServices } from '../../src/node/services';

/**
 * `http_request` as a user runs it: a pipeline (input `args` → tool node → output) through the engine, with the
 * workspace's real services (createServices, as `patchbay run` wires them), against a real HTTP server on loopback.
 */

type Route = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;
const routes = new Map<string, Route>();
let server: http.Server;
let origin: string;
let dir: string;
const workspaces: WorkspaceServices[] = [];

async function services(http: object = {}, env: NodeJS.ProcessEnv = {}): Promise<WorkspaceServices> {
  const ws = mkdtempSync(path.join(dir, 'ws-'));
  writeFileSync(path.join(ws, 'patchbay.config.json'), JSON.stringify({ tools: { http: { allowHosts: ['127.0.0.1'], ...http } } }));
  const s = await createServices({ dataDir: ws, env });
  workspaces.push(s);
  return s;
}

const PIPELINE = {
  format: 'patchbay.pipeline/v1',
  name: 'fetch',
  nodes: [
    { id: 'args', type: 'input', config: { name: 'args', valueType: 'json' } },
    { id: 'call', type: 'tool', config: { tool: 'http_request' } },
    { id: 'out', type: 'output', config: { name: 'result' } },
  ],
  edges: [
    { from: 'args.value', to: 'call.args' },
    { from: 'call.result', to: 'out.value' },
  ],
} as PipelineDocument;

async function fetchThrough(args: object, http: object = {}, env: NodeJS.ProcessEnv = {}) {
  return runPipeline(PIPELINE, { args }, { services: await services(http, env) });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'patchbay-http-pipeline-'));
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const route = routes.get(new URL(req.url!, 'http://x').pathname);
      if (route) route(req, res, Buffer.concat(chunks));
      else res.writeHead(404).end('no such route');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await Promise.all(workspaces.map((s) => s.close()));
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('http_request: compressed responses', () => {
  const text = JSON.stringify({ city: 'Zürich', note: 'é'.repeat(200) });
  const encoders: Record<string, (b: Buffer) => Buffer> = { gzip: zlib.gzipSync, deflate: zlib.deflateSync, br: zlib.brotliCompressSync };
  beforeAll(() => {
    // Compressed whatever the request asked for, as some servers and CDNs do.
    for (const [name, encode] of Object.entries(encoders)) {
      routes.set(`/always-${name}`, (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': name }).end(encode(Buffer.from(text))));
    }
    // `deflate` as some servers send it: raw, without the zlib wrapper.
    routes.set('/raw-deflate', (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'deflate' }).end(zlib.deflateRawSync(text)));
    routes.set('/no-content', (_req, res) => res.writeHead(204, { 'content-encoding': 'gzip' }).end());
    routes.set('/broken-gzip', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end('not gzip at all'));
    // Compressed when the request accepts it, as most do.
    routes.set('/negotiated', (req, res) => {
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      res.writeHead(200, { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) }).end(gzip ? zlib.gzipSync(text) : text);
    });
    // 5 MB of spaces, a few kB on the wire.
    routes.set('/bomb', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(zlib.gzipSync(Buffer.alloc(5_000_000, ' '))));
    routes.set('/zstd', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'zstd' }).end(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0])));
  });

  it('decodes a gzip, deflate or br body, even one the request did not ask for', async () => {
    for (const route of [...Object.keys(encoders).map((name) => `always-${name}`), 'raw-deflate']) {
      const run = await fetchThrough({ url: `${origin}/${route}`, method: 'GET' });
      expect(run.error).toBeUndefined();
      expect(run.outputs.result).toMatchObject({ status: 200, contentType: 'application/json', body: text });
    }
  });

  it('reads no body as empty when the response names an encoding but sends nothing (a 204)', async () => {
    const run = await fetchThrough({ url: `${origin}/no-content`, method: 'GET' });
    expect(run.outputs.result).toMatchObject({ status: 204, body: '' });
  });

  it('decodes a body compressed because a header the pipeline set asked for it', async () => {
    for (const headers of [{ 'Accept-Encoding': 'gzip' }, {}]) {
      const run = await fetchThrough({ url: `${origin}/negotiated`, method: 'GET', headers });
      expect(run.outputs.result).toMatchObject({ status: 200, body: text });
    }
  });

  it('bounds the decoded body by maxBytes: a small gzip of 5 MB is refused, not inflated into memory', async () => {
    const run = await fetchThrough({ url: `${origin}/bomb`, method: 'GET' }, { maxBytes: 100_000 });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^node "call" failed: tool "http_request": GET http:\/\/127\.0\.0\.1:\d+\/bomb: the response is over the 100000-byte limit \(tools\.http\.maxBytes\)$/);
  });

  it('refuses a content encoding it cannot decode, or a body that is not what it says, saying which', async () => {
    const zstd = await fetchThrough({ url: `${origin}/zstd`, method: 'GET' });
    expect(zstd.status).toBe('failed');
    expect(zstd.error).toMatch(/: GET http:\/\/127\.0\.0\.1:\d+\/zstd: the response is encoded as zstd, which http_request cannot decode \(it decodes gzip, deflate and br\)$/);
    const broken = await fetchThrough({ url: `${origin}/broken-gzip`, method: 'GET' });
    expect(broken.error).toMatch(/: GET http:\/\/127\.0\.0\.1:\d+\/broken-gzip: the gzip body could not be decoded: incorrect header check$/);
  });
});

describe('http_request: binary responses', () => {
  // The first bytes of a PNG (its signature and IHDR) and of a PDF: neither is UTF-8 text.
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n%'), Buffer.from([0xe2, 0xe3, 0xcf, 0xd3]), Buffer.from('\n1 0 obj\n')]);
  const blob = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41, 0x00]);
  beforeAll(() => {
    routes.set('/image.png', (_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    routes.set('/report.pdf', (_req, res) => res.writeHead(200, { 'content-type': 'application/pdf' }).end(pdf));
    routes.set('/untyped-bytes', (_req, res) => res.end(blob));
    routes.set('/untyped-text', (_req, res) => res.end('plain words, é'));
    routes.set('/charset-binary', (_req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream; charset=binary' }).end(blob));
    routes.set('/svg', (_req, res) => res.writeHead(200, { 'content-type': 'image/svg+xml' }).end('<svg xmlns="http://www.w3.org/2000/svg"/>'));
    // A charset on a binary type (some servers add one to every type) names no text.
    routes.set('/image-with-charset', (_req, res) => res.writeHead(200, { 'content-type': 'image/png; charset=utf-8' }).end(png));
    routes.set('/gz-image', (_req, res) => res.writeHead(200, { 'content-type': 'image/png', 'content-encoding': 'gzip' }).end(zlib.gzipSync(png)));
  });

  it('returns an image or a PDF as base64 with its size, byte for byte, in the output and the trace', async () => {
    for (const [route, bytes, type] of [
      ['image.png', png, 'image/png'],
      ['report.pdf', pdf, 'application/pdf'],
      ['gz-image', png, 'image/png'],
      ['image-with-charset', png, 'image/png; charset=utf-8'],
    ] as const) {
      const run = await fetchThrough({ url: `${origin}/${route}`, method: 'GET' });
      const expected = { status: 200, url: `${origin}/${route}`, contentType: type, bodyEncoding: 'base64', bodyBytes: bytes.length, body: bytes.toString('base64') };
      expect(run.outputs.result).toEqual(expected);
      expect(run.nodes.call.outputs?.result).toEqual(expected);
      expect(Buffer.from((run.outputs.result as { body: string }).body, 'base64').equals(bytes)).toBe(true);
    }
  });

  it('tells bytes from text by looking when there is no content type; SVG is text, charset=binary is not', async () => {
    const bytes = await fetchThrough({ url: `${origin}/untyped-bytes`, method: 'GET' });
    expect(bytes.outputs.result).toMatchObject({ contentType: '', bodyEncoding: 'base64', bodyBytes: 6, body: blob.toString('base64') });
    const named = await fetchThrough({ url: `${origin}/charset-binary`, method: 'GET' });
    expect(named.outputs.result).toMatchObject({ bodyEncoding: 'base64', body: blob.toString('base64') });
    const text = await fetchThrough({ url: `${origin}/untyped-text`, method: 'GET' });
    expect(text.outputs.result).toEqual({ status: 200, url: `${origin}/untyped-text`, contentType: '', body: 'plain words, é' });
    const svg = await fetchThrough({ url: `${origin}/svg`, method: 'GET' });
    expect(svg.outputs.result).toEqual({ status: 200, url: `${origin}/svg`, contentType: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg"/>' });
  });
});

describe('http_request: query parameters', () => {
  beforeAll(() => {
    routes.set('/search', (req, res) => {
      const url = new URL(req.url!, 'http://x');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ raw: req.url, params: [...url.searchParams] }));
    });
  });

  // A value a user or a model typed: with &, #, /, +, = and a space it would add parameters or end the query if
  // pasted into the URL; `query` encodes each value, so it arrives as one value whatever it holds.
  const typed = 'cats & dogs #1 / 50% +more=ü';

  it('sends query values encoded, each arriving whole, after the parameters the URL has', async () => {
    const run = await fetchThrough({ url: `${origin}/search?lang=en&flag&x=a%20b`, method: 'GET', query: { q: typed, limit: 5, exact: false, tag: ['a&b', 'c'] } });
    expect(run.error).toBeUndefined();
    const result = run.outputs.result as { body: string; url: string };
    expect(JSON.parse(result.body).params).toEqual([
      ['lang', 'en'],
      ['flag', ''],
      ['x', 'a b'],
      ['q', typed],
      ['limit', '5'],
      ['exact', 'false'],
      ['tag', 'a&b'],
      ['tag', 'c'],
    ]);
    // The URL's own query as it was written.
    expect(result.url).toBe(`${origin}/search?lang=en&flag&x=a%20b&q=cats+%26+dogs+%231+%2F+50%25+%2Bmore%3D%C3%BC&limit=5&exact=false&tag=a%26b&tag=c`);
  });

  it('adds the query to a URL without one', async () => {
    const run = await fetchThrough({ url: `${origin}/search`, method: 'GET', query: { q: 'a b' } });
    expect(JSON.parse((run.outputs.result as { body: string }).body).raw).toBe('/search?q=a+b');
  });

  it('refuses a query value that is an object, naming where', async () => {
    const run = await fetchThrough({ url: `${origin}/search`, method: 'GET', query: { q: { nested: 1 } } });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^node "call" failed: tool "http_request": invalid arguments: \/query\/q must be/);
  });
});

describe('http_request: form bodies', () => {
  beforeAll(() => {
    routes.set('/token', (req, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ type: req.headers['content-type'], raw: body.toString(), fields: [...new URLSearchParams(body.toString())] }));
    });
  });

  it('sends form as application/x-www-form-urlencoded, each value encoded', async () => {
    const form = { grant_type: 'client_credentials', scope: 'read write', note: 'a&b=c+d ü', n: 3, tag: ['x', 'y'] };
    const run = await fetchThrough({ url: `${origin}/token`, method: 'POST', form });
    expect(run.error).toBeUndefined();
    expect(JSON.parse((run.outputs.result as { body: string }).body)).toEqual({
      type: 'application/x-www-form-urlencoded',
      raw: 'grant_type=client_credentials&scope=read+write&note=a%26b%3Dc%2Bd+%C3%BC&n=3&tag=x&tag=y',
      fields: [
        ['grant_type', 'client_credentials'],
        ['scope', 'read write'],
        ['note', 'a&b=c+d ü'],
        ['n', '3'],
        ['tag', 'x'],
        ['tag', 'y'],
      ],
    });
  });

  it('refuses form together with body, and a body or form with GET, before sending anything', async () => {
    const both = await fetchThrough({ url: `${origin}/token`, method: 'POST', form: { a: '1' }, body: 'a=2' });
    expect(both.error).toMatch(/^node "call" failed: tool "http_request": give body or form, not both$/);
    const get = await fetchThrough({ url: `${origin}/token`, method: 'GET', form: { a: '1' } });
    expect(get.error).toMatch(/^node "call" failed: tool "http_request": a GET request sends no body: form is sent only with POST, PUT, PATCH or DELETE$/);
    const getBody = await fetchThrough({ url: `${origin}/token`, method: 'GET', body: { a: 1 } });
    expect(getBody.error).toMatch(/^node "call" failed: tool "http_request": a GET request sends no body: body is sent only with POST, PUT, PATCH or DELETE$/);
    // Nothing given is nothing to refuse: a model often sends an empty body with a GET.
    const getEmpty = await fetchThrough({ url: `${origin}/token`, method: 'GET', body: '' });
    expect(getEmpty.outputs.result).toMatchObject({ status: 200 });
  });
});

describe('http_request: credentials from the config', () => {
  const TOKEN = 'tok-3f9a7c1e5b2d4a6f8e0c';
  let otherOrigin: string;
  let other: http.Server;
  beforeAll(async () => {
    // What the server was sent, never what it answers: the run's record must not hold the credential.
    const seen = (req: http.IncomingMessage) => ({ auth: req.headers.authorization ?? null, key: req.headers['x-api-key'] ?? null, custom: req.headers['x-from-args'] ?? null });
    const heard: Array<ReturnType<typeof seen>> = [];
    routes.set('/private', (req, res) => {
      heard.push(seen(req));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sent: heard.length }));
    });
    routes.set('/heard', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(heard.splice(0))));
    routes.set('/away', (_req, res) => res.writeHead(302, { location: `${otherOrigin}/landed` }).end());
    other = http.createServer((req, res) => res.end(JSON.stringify(seen(req))));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });
  afterAll(() => other.close());

  // Plain http on a port must be written out: a key without a scheme means https.
  const config = (key = origin) => ({ headers: { [key]: { Authorization: 'Bearer ${SERVICE_TOKEN}', 'X-Api-Key': '${SERVICE_TOKEN}' } } });
  const heard = async () => JSON.parse(((await fetchThrough({ url: `${origin}/heard`, method: 'GET' })).outputs.result as { body: string }).body);

  it("sends the headers tools.http.headers names for the request's host, the variables read from the environment, and records none of it", async () => {
    const run = await fetchThrough({ url: `${origin}/private`, method: 'GET', headers: { 'X-From-Args': 'yes', authorization: 'Bearer from-the-model' } }, config(), { SERVICE_TOKEN: TOKEN });
    expect(run.error).toBeUndefined();
    // The config's header wins over one of the same name in the arguments (a model cannot swap the credential).
    expect(await heard()).toEqual([{ auth: `Bearer ${TOKEN}`, key: TOKEN, custom: 'yes' }]);
    expect(JSON.stringify(run)).not.toContain(TOKEN);
  });

  it('does not send them to another host or port, nor after a redirect there', async () => {
    const direct = await fetchThrough({ url: `${otherOrigin}/`, method: 'GET' }, config(), { SERVICE_TOKEN: TOKEN });
    expect(JSON.parse((direct.outputs.result as { body: string }).body)).toEqual({ auth: null, key: null, custom: null });
    const redirected = await fetchThrough({ url: `${origin}/away`, method: 'GET' }, config(), { SERVICE_TOKEN: TOKEN });
    expect(redirected.outputs.result).toMatchObject({ url: `${otherOrigin}/landed` });
    expect(JSON.parse((redirected.outputs.result as { body: string }).body)).toEqual({ auth: null, key: null, custom: null });
  });

  it('binds them to the origin: a key without a scheme is https (on 443 without a port), never sent over plain http', async () => {
    const host = new URL(origin).host;
    // "127.0.0.1" is https on 443: it does not go to http://127.0.0.1:PORT in cleartext.
    for (const key of ['127.0.0.1', `https://${host}`, 'http://127.0.0.1']) {
      const run = await fetchThrough({ url: `${origin}/private`, method: 'GET' }, config(key), { SERVICE_TOKEN: TOKEN });
      expect(run.error, key).toBeUndefined();
      expect(await heard(), key).toEqual([{ auth: null, key: null, custom: null }]);
    }
  });

  it('fails the call, sending nothing, when a key without a scheme names the http URL\'s host and port (it meant http before)', async () => {
    const host = new URL(origin).host;
    const run = await fetchThrough({ url: `${origin}/private`, method: 'GET' }, config(host), { SERVICE_TOKEN: TOKEN });
    expect(run.error).toBe(
      `node "call" failed: tool "http_request": tools.http.headers["${host}"] is https only: write "http://${host}" to send it over plain http`,
    );
    expect(await heard()).toEqual([]);
    // Written out, or beside its http:// twin, it is sent.
    const both = { headers: { ...config(host).headers, ...config(`http://${host}`).headers } };
    expect((await fetchThrough({ url: `${origin}/private`, method: 'GET' }, both, { SERVICE_TOKEN: TOKEN })).error).toBeUndefined();
    expect(await heard()).toEqual([{ auth: `Bearer ${TOKEN}`, key: TOKEN, custom: null }]);
  });

  it('fails the call naming the variable that is not set, before sending anything', async () => {
    const run = await fetchThrough({ url: `${origin}/private`, method: 'GET' }, config(), {});
    expect(run.error).toBe(`node "call" failed: tool "http_request": tools.http.headers["${origin}"].Authorization: environment variable SERVICE_TOKEN is not set`);
    expect(await heard()).toEqual([]);
  });
});

describe('http_request: response size', () => {
  let endlessClosed: Promise<void>;
  beforeAll(() => {
    // Writes until the client goes away: read to the end, it would never end.
    routes.set('/endless', (_req, res) => {
      endlessClosed = new Promise((resolve) => res.on('close', resolve));
      res.writeHead(200, { 'content-type': 'text/plain' });
      const more = () => {
        if (res.destroyed) return;
        if (res.write('x'.repeat(16_384))) setImmediate(more);
        else res.once('drain', more);
      };
      more();
    });
    // Gzip members that each decode to nothing, without end: 20 bytes on the wire each, no decoded byte ever.
    routes.set('/endless-empty-gzip', (_req, res) => {
      endlessClosed = new Promise((resolve) => res.on('close', resolve));
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      const members = Buffer.concat(Array.from({ length: 800 }, () => zlib.gzipSync(Buffer.alloc(0))));
      const more = () => {
        if (res.destroyed) return;
        if (res.write(members)) setImmediate(more);
        else res.once('drain', more);
      };
      more();
    });
    routes.set('/declared', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 5_000_000 }).end());
    // The length a GET would get, and no body: what a HEAD is for (and what a 304 says of the cached copy).
    routes.set('/large-file', (req, res) => res.writeHead(req.method === 'HEAD' ? 200 : 304, { 'content-type': 'application/zip', 'content-length': 5_000_000 }).end());
  });

  it('stops reading a body past maxBytes and says which setting bounds it', async () => {
    const run = await fetchThrough({ url: `${origin}/endless`, method: 'GET' }, { maxBytes: 100_000 });
    expect(run.error).toMatch(/^node "call" failed: tool "http_request": GET http:\/\/127\.0\.0\.1:\d+\/endless: the response is over the 100000-byte limit \(tools\.http\.maxBytes\)$/);
    await endlessClosed; // the connection was closed, not drained
  });

  it('stops reading a compressed body once the bytes received pass maxBytes, even when they decode to nothing', async () => {
    // The deadline is far beyond the reading of 100 kB: only a call that reads on until it meets it fails by it.
    const run = await fetchThrough({ url: `${origin}/endless-empty-gzip`, method: 'GET' }, { maxBytes: 100_000, timeoutMs: 20_000 });
    expect(run.error).toMatch(/^node "call" failed: tool "http_request": GET http:\/\/127\.0\.0\.1:\d+\/endless-empty-gzip: the response is over the 100000-byte limit \(tools\.http\.maxBytes\)$/);
    await endlessClosed;
  }, 40_000);

  it('answers a HEAD or a 304 of a resource larger than maxBytes, which have no body to bound', async () => {
    const head = await fetchThrough({ url: `${origin}/large-file`, method: 'HEAD' }, { maxBytes: 100_000, methods: ['GET', 'HEAD'] });
    expect(head.error).toBeUndefined();
    expect(head.outputs.result).toEqual({ status: 200, url: `${origin}/large-file`, contentType: 'application/zip', bodyEncoding: 'base64', bodyBytes: 0, body: '' });
    const notModified = await fetchThrough({ url: `${origin}/large-file`, method: 'GET' }, { maxBytes: 100_000 });
    expect(notModified.error).toBeUndefined();
    expect(notModified.outputs.result).toMatchObject({ status: 304, body: '' });
  });

  it('refuses a body whose declared length is over maxBytes without reading it', async () => {
    const run = await fetchThrough({ url: `${origin}/declared`, method: 'GET' }, { maxBytes: 100_000 });
    expect(run.error).toMatch(/: GET http:\/\/127\.0\.0\.1:\d+\/declared: the response of 5000000 bytes is over the 100000-byte limit \(tools\.http\.maxBytes\)$/);
  });
});

describe('http_request: methods', () => {
  beforeAll(() => {
    routes.set('/item', (req, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.method === 'HEAD' ? undefined : JSON.stringify({ method: req.method, body: body.toString(), type: req.headers['content-type'] ?? null }));
    });
    routes.set('/moved', (_req, res) => res.writeHead(301, { location: '/item' }).end());
  });
  const all = { methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] };
  const sent = async (args: object, http: object = all) => {
    const run = await fetchThrough({ url: `${origin}/item`, ...args }, http);
    expect(run.error).toBeUndefined();
    return JSON.parse((run.outputs.result as { body: string }).body);
  };

  it('offers GET and POST unless tools.http.methods allows more, and says so in the schema a model sees', async () => {
    const refused = await fetchThrough({ url: `${origin}/item`, method: 'PUT', body: { a: 1 } });
    expect(refused.error).toBe('node "call" failed: tool "http_request": invalid arguments: /method must be equal to one of the allowed values: GET, POST');
    const spec = await (await services(all)).tools.describe('http_request');
    expect((spec?.parameters as { properties: { method: { enum: string[] } } }).properties.method.enum).toEqual(all.methods);
  });

  it('sends PUT, PATCH and DELETE with their bodies, and HEAD without one', async () => {
    expect(await sent({ method: 'PUT', body: { name: 'x' } })).toEqual({ method: 'PUT', body: '{"name":"x"}', type: 'application/json' });
    expect(await sent({ method: 'PATCH', form: { name: 'y' } })).toEqual({ method: 'PATCH', body: 'name=y', type: 'application/x-www-form-urlencoded' });
    expect(await sent({ method: 'DELETE' })).toEqual({ method: 'DELETE', body: '', type: null });
    const head = await fetchThrough({ url: `${origin}/item`, method: 'HEAD' }, all);
    expect(head.outputs.result).toMatchObject({ status: 200, contentType: 'application/json', body: '' });
    const headBody = await fetchThrough({ url: `${origin}/item`, method: 'HEAD', body: 'x' }, all);
    expect(headBody.error).toMatch(/a HEAD request sends no body: body is sent only with POST, PUT, PATCH or DELETE$/);
  });

  it('follows a 301 as fetch does: a POST becomes a GET, a PUT stays a PUT with its body', async () => {
    const post = await fetchThrough({ url: `${origin}/moved`, method: 'POST', body: { a: 1 } }, all);
    expect(JSON.parse((post.outputs.result as { body: string }).body)).toEqual({ method: 'GET', body: '', type: null });
    const put = await fetchThrough({ url: `${origin}/moved`, method: 'PUT', body: { a: 1 } }, all);
    expect(JSON.parse((put.outputs.result as { body: string }).body)).toEqual({ method: 'PUT', body: '{"a":1}', type: 'application/json' });
  });
});

describe('http_request: redirects', () => {
  beforeAll(() => {
    routes.set('/loop', (req, res) => {
      const n = Number(new URL(req.url!, 'http://x').searchParams.get('n') ?? 0);
      res.writeHead(302, { location: `/loop?n=${n + 1}` }).end();
    });
  });

  it('stops after 5, saying where the request started and where the 6th would have gone', async () => {
    const run = await fetchThrough({ url: `${origin}/loop`, method: 'GET' });
    expect(run.error).toBe(`node "call" failed: tool "http_request": GET ${origin}/loop: more than 5 redirects (the 6th to ${origin}/loop?n=6)`);
  });
});

describe('http_request: timeouts', () => {
  beforeAll(() => {
    routes.set('/silent', () => {}); // never answers
    // Answers, then stops sending: an event stream, a stalled download.
    routes.set('/trickle', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
    });
  });

  it('says whether no answer came or the answer did not finish, and which setting bounds it', async () => {
    const silent = await fetchThrough({ url: `${origin}/silent`, method: 'GET' }, { timeoutMs: 300 });
    expect(silent.error).toBe(`node "call" failed: tool "http_request": GET ${origin}/silent: no response within 300 ms (tools.http.timeoutMs)`);
    // Which phase the deadline hits depends on when the headers came: a deadline far beyond a local answer's
    // milliseconds keeps a loaded CI machine from turning "did not finish" into "no response".
    const trickle = await fetchThrough({ url: `${origin}/trickle`, method: 'GET' }, { timeoutMs: 3000 });
    expect(trickle.error).toBe(`node "call" failed: tool "http_request": GET ${origin}/trickle: the response (200, text/event-stream) did not finish within 3000 ms (tools.http.timeoutMs)`);
  });
});
