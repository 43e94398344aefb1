import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { pipeline, type Readable, type Transform } from 'node:stream';
import { ACCEPTED_ENCODINGS, decodersFor } from './content-decoding';
import { bodyValue } from './response-body';
import { expandEnv } from '../config/env-references';
import { httpHeadersPath } from '../config/http-headers-path';
import { resolveTarget, type ResolvedTarget } from './address-guard';
import { atOrigin, httpsOnlyAtPlainHttp, parseHeaderOrigin } from './header-origins';
import type { Tool } from './tool';
import { untilAborted } from '../until-aborted';

export interface HttpRequestOptions {
  /** Hosts that may be reached even when they resolve to loopback or private addresses. */
  allowHosts?: string[];
  /** Per request, redirects included. Default 10,000 ms. */
  timeoutMs?: number;
  /** Largest response body read, counted after decompression and as received. Default 1,000,000 bytes. */
  maxBytes?: number;
  /** Headers for the requests to an origin (header-origins.ts: `host` is https on 443); `${NAME}` is read from `env`. */
  headers?: Record<string, Record<string, string>>;
  /** The methods a call may use. Default GET and POST. */
  methods?: string[];
  env?: NodeJS.ProcessEnv;
}

const MAX_REDIRECTS = 5;

/** Methods that carry a body; GET and HEAD send none. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Query parameters or form fields: a list repeats the name. */
type Fields = Record<string, string | number | boolean | Array<string | number | boolean>>;
const FIELD_VALUE = { type: ['string', 'number', 'boolean'] };
const FIELDS = { type: 'object', additionalProperties: { anyOf: [FIELD_VALUE, { type: 'array', items: FIELD_VALUE }] } };

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * `http_request {url, method, query?, headers?, body? | form?}`: GET or POST (or the methods tools.http.methods
 * allows) over http(s). Every
 * hop (the first URL and each redirect, followed by hand, at most 5) is resolved,
 * checked by the address guard and then connected to exactly that address.
 */
export function createHttpRequestTool(options: HttpRequestOptions = {}): Tool {
  const allowHosts = options.allowHosts ?? [];
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? 1_000_000;
  const methods = options.methods ?? ['GET', 'POST'];
  const env = options.env ?? process.env;

  /**
   * The request's headers with those tools.http.headers gives its origin (scheme, host and port), read from the
   * environment now: per hop, so a redirect to another origin (https to http on the same host included) takes that
   * origin's (or none), never the first one's. They replace headers of the same name from the arguments: a model
   * cannot swap the credential for one of its own.
   */
  function withConfigHeaders(url: URL, headers: Record<string, string>, redirected: boolean): Record<string, string> {
    const added: Record<string, string> = {};
    let httpsOnly: string | undefined;
    let matched = false;
    for (const [host, entries] of Object.entries(options.headers ?? {})) {
      const origin = parseHeaderOrigin(host);
      if (typeof origin === 'string') throw new Error(`${httpHeadersPath(host)}: ${origin}`);
      if (httpsOnlyAtPlainHttp(url, host, origin)) httpsOnly ??= host;
      if (!atOrigin(url, origin)) continue;
      matched = true;
      for (const [name, value] of Object.entries(entries)) {
        try {
          added[name] = expandEnv(value, env);
        } catch (err) {
          throw new Error(`${httpHeadersPath(host, name)}: ${(err as Error).message}`);
        }
      }
    }
    // Unless an `http://` key gives this origin its own headers. A redirect's hop is the server's choice, not a
    // key written for it: there the credential stays behind, as fetch leaves it at another origin.
    if (httpsOnly !== undefined && !matched && !redirected) {
      throw new Error(`${httpHeadersPath(httpsOnly)} is https only: write "http://${httpsOnly.trim().replace(/\/$/, '')}" to send it over plain http`);
    }
    const replaced = new Set(Object.keys(added).map((k) => k.toLowerCase()));
    return { ...Object.fromEntries(Object.entries(headers).filter(([k]) => !replaced.has(k.toLowerCase()))), ...added };
  }

  return {
    spec: {
      name: 'http_request',
      description: `Fetches a public URL with ${methods.slice(0, -1).join(', ')}${methods.length > 1 ? ' or ' : ''}${methods.at(-1)} and returns the status, content type and body (text, or base64 for an image, a PDF or other bytes).`,
      parameters: {
        type: 'object',
        properties: {
          url: { type: 'string', pattern: '^https?://', description: 'http:// or https:// URL' },
          method: { type: 'string', enum: methods },
          query: { ...FIELDS, description: 'Query parameters, added after any in url; each value is encoded, a list repeats the name' },
          headers: { type: 'object', additionalProperties: { type: 'string' } },
          body: { description: 'Request body (not with GET or HEAD): a string, or JSON (sent as application/json)' },
          form: { ...FIELDS, description: 'Request body as form fields (sent as application/x-www-form-urlencoded), instead of body' },
        },
        required: ['url', 'method'],
        additionalProperties: false,
      },
    },
    async call(args, { signal }) {
      const deadline = AbortSignal.timeout(timeoutMs);
      const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
      let url = withQuery(parseUrl(String(args.url)), args.query as Fields | undefined);
      let method = String(args.method);
      const asked = `${method} ${url}`;
      const given = (key: string) => args[key] !== undefined && args[key] !== null && args[key] !== '';
      if (given('body') && given('form')) throw new Error('give body or form, not both');
      // Dropping it silently would send a request other than the one asked for.
      for (const key of ['body', 'form']) {
        if (!BODY_METHODS.has(method) && given(key)) throw new Error(`a ${method} request sends no body: ${key} is sent only with POST, PUT, PATCH or DELETE`);
      }
      const headers: Record<string, string> = { 'accept-encoding': ACCEPTED_ENCODINGS, ...((args.headers as Record<string, string>) ?? {}) };
      let body: string | undefined;
      if (given('body')) {
        body = typeof args.body === 'string' ? args.body : JSON.stringify(args.body);
        if (typeof args.body !== 'string' && !hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
      }
      if (given('form')) {
        body = encodedFields(args.form as Fields);
        if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/x-www-form-urlencoded';
      }
      // The current hop's response, once its headers came: what a timeout says.
      let answered: http.IncomingMessage | undefined;
      try {
        for (let hop = 0; ; hop++) {
          // Before the lookup: a deadline in this hop's lookup is "no response", not the previous hop's 3xx.
          answered = undefined;
          // A lookup takes no signal, and a resolver that is down takes tens of seconds: the deadline covers it too.
          const target = await untilAborted(resolveTarget(url, allowHosts), combined);
          const res = await send(url, target, method, withConfigHeaders(url, headers, hop > 0), body, maxBytes, combined, (r) => (answered = r));
          const location = res.headers.location;
          if (res.status >= 300 && res.status < 400 && location) {
            const next = parseUrl(new URL(location, url).toString());
            if (hop >= MAX_REDIRECTS) throw new Error(`${asked}: more than ${MAX_REDIRECTS} redirects (the ${MAX_REDIRECTS + 1}th to ${next})`);
            // Like fetch: credentials given for one origin are not handed to another.
            if (next.origin !== url.origin) for (const k of Object.keys(headers)) if (/^(authorization|cookie|proxy-authorization)$/i.test(k)) delete headers[k];
            url = next;
            // As fetch: a 303 turns any method but HEAD into a GET without a body, the historical 301/302 a POST only.
            const toGet = res.status === 303 ? method !== 'GET' && method !== 'HEAD' : (res.status === 301 || res.status === 302) && method === 'POST';
            if (toGet) {
              method = 'GET';
              body = undefined;
              for (const k of Object.keys(headers)) if (/^content-(type|length)$/i.test(k)) delete headers[k];
            }
            continue;
          }
          const contentType = String(res.headers['content-type'] ?? '');
          return { status: res.status, url: url.toString(), contentType, ...bodyValue(res.body, contentType) };
        }
      } catch (err) {
        if (deadline.aborted) {
          // An event stream or a stalled download answered: "no response" would send the user looking at the wrong end.
          const what = answered ? `the response (${[answered.statusCode, answered.headers['content-type']].filter(Boolean).join(', ')}) did not finish` : 'no response';
          throw new Error(`${method} ${url}: ${what} within ${timeoutMs} ms (tools.http.timeoutMs)`);
        }
        if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
        throw err;
      }
    },
  };
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`only http and https URLs are allowed, not ${url.protocol}`);
  return url;
}

/**
 * `query` added to the URL, each value encoded (URLSearchParams): a value pasted into the URL text, with an `&`,
 * `#` or `=` in it, would add parameters or cut the query short, whoever typed it.
 */
function withQuery(url: URL, query: Fields | undefined): URL {
  // Appended as text: url.searchParams would write the URL's own query again (`?flag` as `flag=`, %20 as +).
  const text = encodedFields(query ?? {});
  if (text) url.search = url.search ? `${url.search}&${text}` : `?${text}`;
  return url;
}

/** `a=1&b=x+y`, as forms and query strings are encoded. */
function encodedFields(fields: Fields): string {
  const encoded = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) encoded.append(name, String(item));
  }
  return encoded.toString();
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

function send(
  url: URL,
  target: ResolvedTarget,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  maxBytes: number,
  signal: AbortSignal,
  onResponse: (res: http.IncomingMessage) => void,
): Promise<Response> {
  // The socket connects to the address that was checked, whatever DNS says now.
  const pinned: LookupFunction = (_host, opts, callback) => {
    if ((opts as { all?: boolean }).all) (callback as any)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  let onAbort = () => {};
  return new Promise<Response>((resolve, reject) => {
    // Settles whatever state the response's streams are in: the deadline is the caller's promise to the user.
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const req = client.request(url, { method, headers, lookup: pinned, agent: false, signal }, (res) => {
      onResponse(res);
      // A HEAD, a 204 or a 304 has no body whatever its Content-Length says (a HEAD's is the GET's length).
      const bodiless = method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
      const declared = Number(res.headers['content-length']);
      if (!bodiless && declared > maxBytes) {
        res.destroy();
        return reject(new Error(`${method} ${url}: the response of ${declared} bytes is over the ${maxBytes}-byte limit (tools.http.maxBytes)`));
      }
      let decoders: Transform[];
      try {
        decoders = decodersFor(res.headers['content-encoding']);
      } catch (err) {
        res.destroy();
        return reject(new Error(`${method} ${url}: ${(err as Error).message}`));
      }
      const overLimit = () => new Error(`${method} ${url}: the response is over the ${maxBytes}-byte limit (tools.http.maxBytes)`);
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        // The bytes on the wire are bounded too: gzip members that decode to nothing would be read until the deadline.
        if (received > maxBytes) {
          reject(overLimit());
          res.destroy();
        }
      });
      // A 204, a 304 or a redirect may name an encoding and send no body: nothing to decode is an empty body.
      const fail = (err: Error) =>
        received === 0
          ? resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0) })
          : reject(new Error(`${method} ${url}: the ${res.headers['content-encoding']} body could not be decoded: ${err.message}`));
      res.on('error', reject); // the connection's own failure, before the decoder's report of it
      // The bound counts decoded bytes: a few kB of gzip can inflate to gigabytes.
      const body: Readable = decoders.length ? (pipeline([res, ...decoders], (err) => err && fail(err)) as Transform) : res;
      // A decoder that finds the input cut short reports it here, after pipeline's callback.
      if (decoders.length) body.on('error', fail);
      const chunks: Buffer[] = [];
      let size = 0;
      body.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          reject(overLimit());
          body.destroy();
          res.destroy();
        } else chunks.push(chunk);
      });
      body.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => reject(new Error(`${method} ${url}: ${err.code ?? err.message}`)));
    req.end(body);
  }).finally(() => signal.removeEventListener('abort', onAbort));
}
