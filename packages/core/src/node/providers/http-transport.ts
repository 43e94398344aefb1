import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

/**
 * A `fetch` for the openai SDK's whole-reply calls (chat without streaming,
 * embeddings), over node:http(s) with keep-alive agents. Node's built-in fetch
 * (undici's WHATWG layer: Request objects, web streams, body mixins) costs
 * about 0.4 ms of CPU more per call; at an eval's thousands of calls through
 * 32 connections that CPU, not the network, is what the run waits for.
 *
 * It behaves as fetch does where the SDK looks: the reply's status, headers
 * and whole body (a real `Response` for errors, a lighter whole reply for
 * 2xx, see WholeReply); an aborted signal rejects with the
 * signal's reason (the SDK's timeout shows as an AbortError); a network
 * failure rejects with `TypeError('fetch failed')` whose `cause` carries the
 * code (ECONNREFUSED…). Bodies other than text or bytes, and Request inputs,
 * go to the built-in fetch. The reply is read to its end before resolving,
 * so this is not for streams (the provider streams through the built-in fetch).
 */
export function createHttpTransport(): typeof fetch {
  // Sockets stay open between calls; idle ones are unref'd by Node, so they never hold the process.
  const agents: Record<string, http.Agent> = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };

  return (input, init = {}) => {
    const body = init.body;
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
    const target = href === undefined ? undefined : targetOf(href);
    if (!target || (body != null && typeof body !== 'string' && !(body instanceof Uint8Array))) return fetch(input, init);

    return new Promise<Response>((resolve, reject) => {
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);
      const headers = plainHeaders(init.headers);
      // A string body goes as it is: Node then sends it in one write with the head.
      if (body != null) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
      const request = (target.protocol === 'https:' ? https : http).request({ ...target, method: init.method ?? 'GET', headers, agent: agents[target.protocol] });

      const onAbort = () => {
        request.destroy();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal?.removeEventListener('abort', onAbort);
      const failed = (err: Error) => {
        settle();
        reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: err }));
      };

      request.on('error', failed);
      request.on('response', (reply) => {
        const chunks: Buffer[] = [];
        reply.on('data', (chunk: Buffer) => chunks.push(chunk));
        reply.on('error', failed);
        reply.on('end', () => {
          settle();
          try {
            resolve(toResponse(reply, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
          } catch (err) {
            reject(new TypeError('fetch failed', { cause: err }));
          }
        });
      });
      request.end(body ?? undefined);
    });
  };
}

interface Target {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: string;
  path: string;
  auth?: string;
}

/** Parsed request targets by URL: a provider calls the same few URLs thousands of times. */
const targets = new Map<string, Target | null>();
const TARGET_LIMIT = 256;

/** Where http.request sends a URL; null for schemes it does not speak (the built-in fetch takes those). */
function targetOf(href: string): Target | null {
  let target = targets.get(href);
  if (target !== undefined) return target;
  const url = new URL(href);
  target =
    url.protocol === 'http:' || url.protocol === 'https:'
      ? {
          protocol: url.protocol,
          // http.request wants an IPv6 literal without its brackets.
          hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          ...(url.username ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` } : {}),
        }
      : null;
  if (targets.size >= TARGET_LIMIT) targets.delete(targets.keys().next().value!);
  targets.set(href, target);
  return target;
}

function plainHeaders(given: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!given) return out;
  const entries = given instanceof Headers ? given.entries() : Array.isArray(given) ? given : Object.entries(given);
  for (const [name, value] of entries) out[name.toLowerCase()] = value;
  return out;
}

function toResponse(reply: http.IncomingMessage, raw: Buffer): Response {
  const headers = ReplyHeaders.fromRaw(reply.rawHeaders);
  const status = reply.statusCode ?? 0;
  const statusText = reply.statusMessage ?? '';
  const noBody = status === 204 || status === 205 || status === 304;
  // We sent no accept-encoding, but a server may compress anyway: hand on what fetch would.
  const data = noBody ? null : decoded(raw, headers.get('content-encoding'));
  if (data && data !== raw) headers.delete('content-encoding');
  if (data && status >= 200 && status < 300) return new WholeReply(status, statusText, headers, data) as unknown as Response;
  // A Buffer is a Uint8Array; TypeScript's DOM types only doubt its ArrayBuffer kind.
  return new Response(data as Uint8Array<ArrayBuffer> | null, { status, statusText, headers: [...headers] });
}

/**
 * A reply's headers with the reading half of fetch's Headers: names are
 * case-free, repeated headers are joined with ", ", iteration is by sorted
 * lowercase name. fetch's Headers checks every name and value as it is added,
 * which is wasted on headers Node has already parsed; the SDK reads a few.
 */
export class ReplyHeaders {
  private readonly map = new Map<string, string>();

  constructor(pairs: Iterable<[string, string]> = []) {
    for (const [name, value] of pairs) this.add(name, value);
  }

  /** From Node's `rawHeaders`: names and values in turn. */
  static fromRaw(raw: readonly string[]): ReplyHeaders {
    const headers = new ReplyHeaders();
    for (let i = 0; i + 1 < raw.length; i += 2) headers.add(raw[i], raw[i + 1]);
    return headers;
  }

  private add(name: string, value: string): void {
    const key = name.toLowerCase();
    const had = this.map.get(key);
    this.map.set(key, had === undefined ? value : `${had}, ${value}`);
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }

  getSetCookie(): string[] {
    const value = this.map.get('set-cookie');
    return value === undefined ? [] : [value];
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of [...this.map.keys()].sort()) yield [name, this.map.get(name)!];
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: string, name: string, headers: ReplyHeaders) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/**
 * A 2xx reply already read whole, with what the SDK reads of a Response:
 * status, headers, json() and text(). A WHATWG Response would first wrap the
 * bytes in a web stream, ~45 µs per call for nothing. Error replies, which
 * the SDK and the retry-after cap read more of, stay real Responses.
 */
class WholeReply {
  readonly ok = true;
  readonly redirected = false;
  readonly type = 'basic';
  readonly url = '';
  /** Already read: nothing left to stream or cancel. */
  readonly body = null;
  private used = false;

  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: ReplyHeaders,
    private readonly data: Buffer,
  ) {}

  get bodyUsed(): boolean {
    return this.used;
  }

  private take(): Buffer {
    if (this.used) throw new TypeError('Body is unusable: Body has already been read');
    this.used = true;
    // fetch's UTF-8 decoding drops a byte-order mark; JSON.parse would choke on it.
    const bom = this.data[0] === 0xef && this.data[1] === 0xbb && this.data[2] === 0xbf;
    return bom ? this.data.subarray(3) : this.data;
  }

  async text(): Promise<string> {
    return this.take().toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.take().toString('utf8'));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.take();
    return new Uint8Array(bytes).buffer;
  }

  clone(): WholeReply {
    if (this.used) throw new TypeError('Response.clone: Body has already been consumed');
    return new WholeReply(this.status, this.statusText, new ReplyHeaders(this.headers), this.data);
  }
}

function decoded(raw: Buffer, encoding: string | null): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(raw);
    case 'deflate':
      return zlib.inflateSync(raw);
    case 'br':
      return zlib.brotliDecompressSync(raw);
    default:
      return raw;
  }
}
