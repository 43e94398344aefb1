import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { jsonPath, plainIssueWords, shownKey } from '@patchbay/core';
import type { z } from 'zod';
import { domainProblem } from './domain-problems';
import { isStoreUnavailable } from '../store/store-unavailable';
import { isNulInText } from '../store/nul-in-text';

/** One field-level error: where (`$.document.nodes[0].id`, `query.limit`) and what. */
export interface FieldError {
  path: string;
  message: string;
}

/** RFC 9457 problem details, plus `errors` and any extension members. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

const INVALID_REQUEST = 'urn:patchbay:problem:invalid-request';

/**
 * Thrown by handlers and middleware; the app's error handler turns it into an
 * `application/problem+json` response. `type` is a stable slug clients can
 * switch on (`version-conflict`, `pipeline-invalid`). A 400 without one is `invalid-request` (the
 * request itself must change, whichever check refused it); other generic ones are about:blank.
 */
export class HttpProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;
  /** How the detail names the first error's path when it abbreviates it (a path 256 levels deep): not appended again. */
  readonly shownPath?: string;

  constructor(
    status: number,
    detail: string,
    options: { type?: string; errors?: FieldError[]; headers?: Record<string, string>; shownPath?: string; [extension: string]: unknown } = {},
  ) {
    super(detail);
    const { type, headers, shownPath, ...rest } = options;
    // The members RFC 9457 defines are this problem's own; an extension never replaces them (a resource's own status goes in e.g. `runStatus`).
    const { title: _title, status: _status, detail: _detail, ...extensions } = rest;
    this.status = status;
    this.type = type ? `urn:patchbay:problem:${type}` : status === 400 ? INVALID_REQUEST : 'about:blank';
    this.headers = (headers as Record<string, string> | undefined) ?? {};
    this.extensions = extensions;
    this.shownPath = shownPath as string | undefined;
  }

  toJSON(): ProblemDetails {
    return { type: this.type, title: TITLES[this.status] ?? 'Error', status: this.status, detail: oneLineDetail(this.message, this.extensions.errors, this.shownPath), ...this.extensions };
  }
}

/**
 * Every detail is one line that names where the problem is: a control character a request
 * quoted back (an id with a line break) is escaped, and a detail that lists field errors but
 * does not name the first one's path gets it appended.
 */
function oneLineDetail(detail: string, errors: unknown, shownPath?: string): string {
  const line = detail.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const path = Array.isArray(errors) ? (errors[0] as FieldError | undefined)?.path : undefined;
  const named = typeof path === 'string' && (path === '' || line.includes(path) || (shownPath !== undefined && line.includes(shownPath)));
  return typeof path === 'string' && !named ? `${line} (${path})` : line;
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** `redact` masks secrets a detail may quote back (a path segment, a provider's message). */
export function problemResponse(problem: HttpProblem, redact: (json: string) => string = (json) => json): Response {
  return new Response(redact(JSON.stringify(problem.toJSON())), {
    status: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...problem.headers },
  });
}

/** Where a zod issue points: body paths as JSON paths from `$`, query and path parameters by name. */
export function issuePath(target: string, path: readonly PropertyKey[]): string {
  if (target === 'query' || target === 'param') {
    return `${target === 'param' ? 'path' : 'query'}.${path.map((segment) => shownKey(String(segment))).join('.')}`;
  }
  return jsonPath(path);
}

/**
 * A request that fails its route's schema: each issue at its path, zod's own wording in plain
 * words ("query.a must be at most 100 characters long"), a schema's own message as written.
 */
export function validationProblem(target: string, issues: readonly z.core.$ZodIssue[], repeats?: ReadonlyMap<string, number>): HttpProblem {
  const errors = issues.map((issue) => {
    // `?limit=10&limit=20` reaches the schema as a list, which it would judge as "must be a number".
    const times = target === 'query' && issue.path.length === 1 ? repeats?.get(String(issue.path[0])) : undefined;
    if (times) return { path: issuePath(target, issue.path), message: `is given ${times} times: give it once`, plain: true };
    const words = plainIssueWords(issue);
    return { path: issuePath(target, issue.path), message: words ?? issue.message, plain: words !== undefined };
  });
  const where = target === 'json' ? 'request body' : target === 'param' ? 'path' : target;
  const first = errors[0];
  const said = first ? `: ${first.path}${first.plain ? ' ' : ': '}${first.message}` : '';
  return new HttpProblem(400, `invalid ${where}${said}`, { errors: errors.map(({ path, message }) => ({ path, message })) });
}

/** The query parameters of `url` given more than once, with how many times (no route takes a list). */
export function repeatedQueryParams(url: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of new URL(url).searchParams.keys()) counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const [key, n] of counts) if (n < 2) counts.delete(key);
  return counts;
}

/** Hono's own messages are bare titles ("Unsupported Media Type"); say what to change instead. */
function httpExceptionDetail(err: HTTPException, c?: Context): string {
  if (err.status === 400 && /JSON/i.test(err.message)) return 'malformed JSON in request body';
  if (err.status === 415) {
    const sent = c?.req.header('content-type');
    return `send the request body as JSON with "Content-Type: application/json"${sent ? ` (it was "${sent.slice(0, 100)}")` : ' (there was none)'}`;
  }
  return err.message || TITLES[err.status] || 'error';
}

/**
 * The app's error handler: problems pass through, the services' typed errors
 * are mapped (http/domain-problems.ts), Hono's own HTTP errors
 * (malformed JSON, 415, body limit) become problems, anything else is a 500
 * whose detail says nothing of the internals; the stack goes to the log only.
 */
export function toProblem(err: unknown, log: (line: string) => void, c?: Context): HttpProblem {
  if (err instanceof HttpProblem) return err;
  const domain = domainProblem(err);
  if (domain) return domain;
  if (err instanceof HTTPException) {
    return new HttpProblem(err.status, httpExceptionDetail(err, c));
  }
  if (isStoreUnavailable(err)) {
    // PostgreSQL went away (stopped, restarting, unreachable): nothing of this request was acknowledged; the client may retry.
    log(`store unavailable: ${(err as Error).message}`);
    return new HttpProblem(503, 'the store (PostgreSQL) is unavailable; try again shortly', { type: 'store-unavailable', headers: { 'retry-after': '5' } });
  }
  if (isNulInText(err)) {
    return new HttpProblem(400, 'a text in this request holds the NUL character (\\u0000), which the store (PostgreSQL) cannot keep: leave it out');
  }
  const where = c ? `${c.req.method} ${new URL(c.req.url).pathname}` : 'request';
  log(`error in ${where}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return new HttpProblem(500, 'the runner failed to handle this request; the server log has the details');
}
