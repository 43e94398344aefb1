import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MiddlewareHandler } from 'hono';
import { decoded, headerCredentials, urlCredentials } from '@patchbay/core/credentials';
import { DomainError } from '../domain-errors';
import { SecretPieces } from './secret-pieces';

/** Values shorter than this are not treated as secrets: redacting "x" everywhere would garble every response. */
const MIN_SECRET_LENGTH = 8;
const MASK = '[REDACTED]';

/** Variables whose whole value is a secret, besides every `*_API_KEY`: the API token and the /metrics scrape token. */
const TOKEN_VARIABLES = ['PATCHBAY_TOKEN', 'PATCHBAY_METRICS_TOKEN'];
/** Variables holding a URL whose password (or `?password=`) is a secret: the store, the queue, the proxies, the OTLP endpoints. */
const URL_VARIABLES = ['PATCHBAY_STORE', 'PATCHBAY_QUEUE', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
/** Variables holding headers the OTLP exporter sends (`name=value,…`): each value is a collector's credential. */
const HEADER_VARIABLES = ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'];

/** Environment variables whose values are secrets: every `*_API_KEY`, the runner's tokens, and names the config adds. */
export function secretEnvNames(env: NodeJS.ProcessEnv, extraNames: readonly string[] = []): string[] {
  return Object.keys(env).filter((name) => /_API_KEY$/.test(name) || TOKEN_VARIABLES.includes(name) || extraNames.includes(name));
}

/** The secrets inside variables that are not secrets whole: a URL's credentials, the OTLP exporter's header values. */
export function envCredentials(env: NodeJS.ProcessEnv): Array<{ name: string; value: string }> {
  const inURLs = URL_VARIABLES.flatMap((name) => (env[name] ? urlCredentials(`the credential in ${name}`, env[name]) : []));
  const inHeaders = HEADER_VARIABLES.flatMap((name) =>
    // OTel's header values are percent-encoded.
    (env[name] ?? '').split(',').flatMap((pair) => {
      const value = pair.slice(pair.indexOf('=') + 1);
      return pair.includes('=') ? headerCredentials(`a header in ${name}`, decoded(value)) : [];
    }),
  );
  return [...inURLs, ...inHeaders];
}


/**
 * Keeps secret values out of responses, logs and the database. Replaces each
 * value as written and as it appears inside a JSON string (escaped), so it
 * can be applied to serialized JSON without breaking it — and any piece of 8
 * or more characters of one too: a key cut short (a reply truncated to 300
 * characters in a report, a model that prints half of it) is still masked.
 */
export class Redactor {
  private readonly secrets: { name: string; forms: string[] }[];
  private readonly pieces: SecretPieces;

  constructor(secrets: { name: string; value: string }[]) {
    this.secrets = secrets
      .filter((s) => s.value.length >= MIN_SECRET_LENGTH)
      .map((s) => ({ name: s.name, forms: [...new Set([s.value, JSON.stringify(s.value).slice(1, -1)])] }));
    this.pieces = new SecretPieces(
      this.secrets.map((s) => s.forms),
      MIN_SECRET_LENGTH,
    );
  }

  /**
   * The secrets of `env` (secretEnvNames, envCredentials) and those given. `extraValues`: the token (a bare string),
   * and secrets that are no variable's whole value (a base URL's password, a `--store` URL's).
   */
  static fromEnv(env: NodeJS.ProcessEnv, extraNames: readonly string[] = [], extraValues: ReadonlyArray<string | { name: string; value: string }> = []): Redactor {
    const secrets = secretEnvNames(env, extraNames).map((name) => ({ name, value: env[name] ?? '' }));
    return new Redactor([...secrets, ...envCredentials(env), ...extraValues.map((extra) => (typeof extra === 'string' ? { name: 'token', value: extra } : extra))]);
  }

  get active(): boolean {
    return this.secrets.length > 0;
  }

  /** `text` with every stretch of 8 or more characters of a secret (as written or JSON-escaped) masked, one mask per run of them. */
  redact = (text: string): string => {
    let out = '';
    let from = 0;
    // The run of overlapping or touching stretches being merged: [start, end).
    let start = -1;
    let end = -1;
    this.pieces.scan(text, (at) => {
      if (at <= end) end = at + MIN_SECRET_LENGTH;
      else {
        if (start !== -1) out += text.slice(from, start) + MASK;
        from = end === -1 ? 0 : end;
        start = at;
        end = at + MIN_SECRET_LENGTH;
      }
    });
    return start === -1 ? text : out + text.slice(from, start) + MASK + text.slice(end);
  };

  /**
   * A masker for one stream of text chunks (a node's tokens). Each chunk is
   * masked as it comes, and the tail that could be the start of a secret is held
   * back until the next chunk shows it is not one: a key streamed five
   * characters at a time never appears, not even by joining the chunks.
   */
  streamMasker(): StreamMasker {
    const values = this.secrets.map((s) => s.forms[0]);
    // Raw text not sent yet: the end of the stream that is (so far) a stretch of a secret, which the next chunk may continue.
    let held = '';
    return {
      push: (chunk) => {
        held += chunk;
        const keep = longestSecretPiece(held, values);
        const out = this.redact(held.slice(0, held.length - keep));
        held = held.slice(held.length - keep);
        return out;
      },
      end: () => {
        const rest = this.redact(held);
        held = '';
        return rest;
      },
    };
  }

  /**
   * The first place a secret value occurs in a JSON value, whole or 8 or more characters of it (`part`), as the
   * masking finds it: `{path, name}` of the variable, never the value. Iterative: any depth.
   */
  find(value: unknown, path = '$'): SecretHit | undefined {
    const walk = this.walk(value, path);
    for (;;) {
      const step = walk.next();
      if (step.done) return step.value;
    }
  }

  /** find, a turn of the event loop every NODES_PER_TURN values: 60,000 dataset cases held it ~95 ms in one walk. */
  async findInTurns(value: unknown, path = '$'): Promise<SecretHit | undefined> {
    const walk = this.walk(value, path);
    for (;;) {
      const step = walk.next();
      if (step.done) return step.value;
      await nextTurn();
    }
  }

  /** find's walk, pausing (a bare yield) every NODES_PER_TURN values. */
  private *walk(value: unknown, path: string): Generator<void, SecretHit | undefined> {
    if (!this.active) return undefined;
    const inString = (text: string) => {
      // The first secret (in order) a stretch of which the text holds; a whole secret, if any, is named before it.
      let first = -1;
      this.pieces.scan(text, (_, secret) => {
        if (first === -1 || secret < first) first = secret;
        return first === 0;
      });
      if (first === -1) return undefined;
      const whole = this.secrets.find((s) => s.forms.some((f) => text.includes(f)));
      return whole ? { name: whole.name } : { name: this.secrets[first].name, part: true as const };
    };
    // Depth first, children in order (pushed in reverse), so the first hit is the one a recursive walk finds.
    const stack: Array<[unknown, string]> = [[value, path]];
    let visited = 0;
    while (stack.length > 0) {
      if (++visited % NODES_PER_TURN === 0) yield;
      const [v, at] = stack.pop()!;
      if (typeof v === 'string') {
        const hit = inString(v);
        if (hit) return { path: at, ...hit };
      } else if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${at}[${i}]`]);
      } else if (v && typeof v === 'object') {
        const entries = Object.entries(v);
        for (let i = entries.length - 1; i >= 0; i--) {
          const [key, inner] = entries[i];
          stack.push([inner, `${at}.${key}`], [key, at]);
        }
      }
    }
    return undefined;
  }
}

/** Where find met a secret: the JSON path and the variable's name, and whether only a piece of it. */
export type SecretHit = { path: string; name: string; part?: true };

/** Values find looks at between two turns of the event loop in findInTurns: well under a millisecond of walking. */
const NODES_PER_TURN = 4096;

export interface StreamMasker {
  /** What of the stream so far can be sent now (possibly ''). */
  push(chunk: string): string;
  /** The rest, at the end of the stream. */
  end(): string;
}

/** The length of the longest end of `text` that occurs in a secret: it may go on into (more of) one. */
function longestSecretPiece(text: string, values: string[]): number {
  let best = 0;
  for (const value of values) {
    for (let k = Math.min(text.length, value.length); k > best; k--) {
      if (value.includes(text.slice(text.length - k))) {
        best = k;
        break;
      }
    }
  }
  return best;
}

/**
 * `secret-in-document` (a 400) when `value` (a request body, or the part of it at
 * `at`) holds a secret's value, or 8 or more characters of it: whatever is stored (a pipeline, an index, a
 * dataset) must never carry a key. `advice` ends the message.
 */
export function refuseSecretValues(redactor: Redactor, value: unknown, at: string, advice: string): void {
  const secret = redactor.find(value, at);
  if (secret) throw secretInDocument(secret, advice);
}

/** refuseSecretValues for a value that may be long (a dataset): the walk takes turns with the rest of the event loop. */
export async function refuseSecretValuesInTurns(redactor: Redactor, value: unknown, at: string, advice: string): Promise<void> {
  const secret = await redactor.findInTurns(value, at);
  if (secret) throw secretInDocument(secret, advice);
}

function secretInDocument(secret: SecretHit, advice: string): DomainError {
  const holds = `holds ${secret.part ? 'part of ' : ''}the value of ${secret.name}`;
  return new DomainError('secret-in-document', `${secret.path} ${holds}; ${advice}`, { errors: [{ path: secret.path, message: holds }] });
}

/**
 * Masks secrets in every JSON body the routes render, as they serialize it:
 * `c.json` is replaced for the request, so the text is scanned once and no
 * response is read back and rebuilt. Installed only when a secret is set.
 * Problem responses are masked where they are made (see app.ts).
 */
export function redactJsonResponses(redactor: Redactor): MiddlewareHandler {
  return async (c, next) => {
    const body = c.body as (data: string, arg?: unknown, headers?: unknown) => Response;
    c.json = ((object: unknown, arg?: unknown, headers?: unknown) => {
      c.header('content-type', 'application/json');
      return body(redactor.redact(JSON.stringify(object)), arg, headers);
    }) as never;
    await next();
  };
}
