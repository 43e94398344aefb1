import createClient, { type Client } from 'openapi-fetch';
import { readEvents } from '@patchbay/core/event-stream';
import type { paths } from './api-schema.gen';
import { takeEarly } from './early-fetch';

/**
 * The one way the editor talks to the runner. `client` is openapi-fetch over the types
 * generated from the runner's routes (`paths`, written by `npm run typecheck`), so a call's
 * path, parameters, body and answer are checked against the route definitions:
 *
 *   const version = await answer(api.client.GET('/api/pipelines/{name}', { params: { path: { name } } }));
 *
 * `answer` turns a refusal into an ApiError with the problem's one-line reason; `events`
 * reads a Server-Sent Events answer (`parseAs: 'stream'`) as typed events.
 */
export type ApiClient = Client<paths>;

/** Headers added to every request and stream (the place for an `Authorization` bearer token). */
export type HeaderProvider = () => Record<string, string> | undefined;

export interface ApiClientOptions {
  /** '' in the browser (same origin); the runner's URL in tests. */
  baseUrl?: string;
  fetch?: typeof fetch;
  headers?: HeaderProvider;
  /** Called when the runner answers 401 (the editor then asks for its token). */
  onUnauthorized?: () => void;
}

/** An HTTP error with the runner's problem+json detail as its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** The save was refused because a newer version exists (409 with `latest`). */
export class ConflictError extends ApiError {
  constructor(
    readonly latest: number,
    body: unknown,
  ) {
    super(409, `version ${latest} was saved since you opened this one`, body);
  }
}

/** Nothing answered: the runner stopped, restarted or is out of reach (fetch's own words are "Failed to fetch"). */
export class UnreachableError extends Error {
  constructor(override readonly cause: unknown) {
    super('Could not reach the runner (is patchbay serve still running?)');
  }
}

/** fetch rejects with a TypeError when no answer came; an abort (Cancel, leaving the page) stays what it is. */
const unreachable = (err: unknown) => (err instanceof TypeError ? new UnreachableError(err) : err);

/**
 * One line saying what went wrong, from a problem+json body: its detail, with its first field error
 * after it unless the detail says it already (the runner's details name the first error's path).
 */
export function problemMessage(status: number, body: any): string {
  const detail = String(body?.detail ?? body?.title ?? body?.message ?? `HTTP ${status}`);
  const first = Array.isArray(body?.errors) ? body.errors[0] : Array.isArray(body?.problems) ? body.problems[0] : undefined;
  if (!first?.message || detail.includes(first.message) || (first.path && detail.includes(first.path))) return detail;
  return `${detail}: ${first.path ? `${first.path}: ` : ''}${first.message}`;
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const fetchImpl = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    // A GET main.tsx asked for as the page started (early-fetch.ts) is answered once from that request.
    fetch: (request: Request) =>
      ((request.method === 'GET' ? takeEarly(request.url) : undefined) ?? fetchImpl(request)).catch((err: unknown) => {
        throw unreachable(err);
      }),
  });
  const { headers, onUnauthorized } = options;
  client.use({
    onRequest({ request }) {
      // a header the call set itself (a token being checked at sign-in) wins over the provider's
      for (const [name, value] of Object.entries(headers?.() ?? {})) if (!request.headers.has(name)) request.headers.set(name, value);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthorized?.();
      return response;
    },
  });
  return client;
}

type Outcome = { data?: unknown; error?: unknown; response: Response };
/** What a call answers when it succeeds. */
export type Answer<R extends Outcome> = Exclude<Extract<R, { error?: never }>['data'], undefined>;

/** The answer of a call, or an ApiError (ConflictError for a stale save) saying why it was refused. */
export async function answer<R extends Outcome>(pending: Promise<R>): Promise<Answer<R>> {
  const { data, error, response } = await pending;
  if (response.ok) return data as Answer<R>;
  const body: any = typeof error === 'string' ? { detail: error } : error;
  if (response.status === 409 && typeof body?.latest === 'number') throw new ConflictError(body.latest, body);
  throw new ApiError(response.status, problemMessage(response.status, body), body);
}

/**
 * The events of a streamed answer (a call made with `parseAs: 'stream'`), until `last(event)`;
 * a refusal is an ApiError as for `answer`. Breaking out of the loop stops the download.
 */
export async function* events<E extends { type: string }>(pending: Promise<Outcome>, last: (event: E) => boolean): AsyncGenerator<E> {
  const body: unknown = await answer(pending);
  if (!(body instanceof ReadableStream)) throw new ApiError(502, 'the runner answered without an event stream', undefined);
  yield* readEvents<E>(body as ReadableStream<Uint8Array>, last);
}
