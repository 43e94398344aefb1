import { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { authenticate } from './http/serving-auth';
import { bodyLimit } from './http/body-limit';
import { jsonBody } from './http/json-body';
import { unknownQueryParams } from './http/unknown-query';
import { originGuard } from './http/origin-guard';
import { mountEditor } from './http/editor-static';
import { RouteTable } from './http/method-not-allowed';
import { HttpProblem, problemResponse, repeatedQueryParams, toProblem, validationProblem } from './http/problem';
import { redactJsonResponses } from './http/secrets';
import { QueueUnavailableError } from './jobs/job-registry';
import { openaiErrorResponse } from './http/openai-error';
import { securityHeaders } from './http/security-headers';
import { routeModules, type AppDeps, type RouteModule } from './routes/index';
import { openapiRoutes } from './routes/openapi';

export const DEFAULT_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

export interface AppOptions {
  /** When set, every /api request needs `Authorization: Bearer <token>`. */
  token?: string;
  bodyLimitBytes?: number;
  /** Origins allowed to call the API from a browser; none (no CORS headers) by default. */
  cors?: string[];
  /** The built editor to serve at `/`; false serves none. Default apps/editor/dist. */
  editorDist?: string | false;
  /** Route modules beyond the built-in ones. */
  routes?: RouteModule[];
  /** Set when bound to loopback with no token: Host and Origin are checked (see originGuard). */
  originGuard?: { allowedHosts?: string[] };
  /** True once the server is shutting down: /api then answers 503 (a keep-alive client may still send one). */
  stopping?: () => boolean;
}

/**
 * The runner's HTTP app: thin by design — checks (auth, size, zod), then store
 * and engine calls. Every error leaves as application/problem+json.
 */
export function createApp(deps: AppDeps, options: AppOptions = {}): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) throw validationProblem(result.target, result.error.issues, result.target === 'query' ? repeatedQueryParams(c.req.url) : undefined);
    },
  });
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;

  const problem = (p: HttpProblem) => problemResponse(p, deps.redactor.redact);
  // The OpenAI-compatible routes answer errors in OpenAI's shape, so OpenAI SDKs raise their usual errors.
  app.onError((err, c) => (deps.store.health.observe(err), err instanceof QueueUnavailableError && deps.queueReach?.forget(), c.req.path.startsWith('/v1/') ? openaiErrorResponse(toProblem(err, deps.log, c), deps.redactor.redact) : problem(toProblem(err, deps.log, c))));
  // first, so errors, 404s and the editor's files carry them too
  app.use('*', securityHeaders());

  if (options.cors && options.cors.length > 0) {
    app.use('/api/*', cors({ origin: options.cors, allowHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'], exposeHeaders: ['Location', 'X-Run-Id', 'X-Next-Cursor', 'Link'] }));
    // /v1 too: a chat UI in the browser on a --cors origin calls the OpenAI-compatible endpoint directly. The
    // headers it asks for are allowed as asked (OpenAI SDKs send their own, x-stainless-*); the origin is what is checked.
    app.use('/v1/*', cors({ origin: options.cors, allowMethods: ['GET', 'POST'], exposeHeaders: ['X-Run-Id'] }));
  }
  // /v1 is the OpenAI-compatible serving endpoint: guarded like /api.
  for (const prefix of ['/api/*', '/v1/*']) {
    // A runner that is shutting down answers 503 to everything, before any other check.
    const stopping = options.stopping;
    if (stopping) {
      app.use(prefix, async (c, next) => {
        if (!stopping()) return next();
        throw new HttpProblem(503, 'the runner is shutting down; try again once it is back', { headers: { connection: 'close', 'retry-after': '5' } });
      });
    }
    if (options.originGuard) app.use(prefix, originGuard({ allowedHosts: options.originGuard.allowedHosts, cors: options.cors }));
    app.use(prefix, authenticate({ token: options.token, keys: () => deps.store.keys }));
    app.use(prefix, bodyLimit(limit));
    app.use(prefix, jsonBody());
  }
  app.use('/api/*', unknownQueryParams(app));
  // Prometheus's /metrics, open on such a runner, names every pipeline, label and model: a rebinding page must not read it either.
  if (options.originGuard) app.use('/metrics', originGuard({ allowedHosts: options.originGuard.allowedHosts, cors: options.cors }));
  if (deps.redactor.active) app.use('/api/*', redactJsonResponses(deps.redactor));

  app.get('/healthz', async (c) => {
    // A PostgreSQL store or the queue's Redis that does not answer: every request would fail, so a load balancer must take this runner out.
    const [store, queue] = await Promise.all([deps.store.health.reachable(), deps.queueReach?.check()]);
    const down = !store.ok ? store : queue && !queue.ok ? queue : undefined;
    if (down) return c.json({ status: 'unavailable', reason: deps.redactor.redact(down.reason), since: down.since }, 503);
    const storage = deps.store.health.state();
    // Still 200: the process is alive and serves reads; `degraded` says why writes are refused.
    return c.json(storage.ok ? { status: 'ok' } : { status: 'degraded', reason: storage.reason, since: storage.since });
  });
  for (const module of [...routeModules, ...(options.routes ?? []), openapiRoutes]) module.register(app, deps);

  let table: RouteTable | undefined;
  app.notFound((c) => {
    if (!table) {
      // Built on first use, once every module (and the editor) has registered its routes.
      table = new RouteTable();
      for (const route of app.routes) if (route.method !== 'ALL' && !route.path.includes('*')) table.add(route.method, route.path);
    }
    const openai = c.req.path.startsWith('/v1/') || c.req.path === '/v1';
    const allowed = c.req.path.startsWith('/api') || openai ? table.allowed(c.req.path) : [];
    const answer = (p: HttpProblem) => (openai ? openaiErrorResponse(p, deps.redactor.redact) : problem(p));
    if (allowed.length > 0) {
      return answer(new HttpProblem(405, `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allowed.join(', ')}`, { headers: { allow: allowed.join(', ') } }));
    }
    return answer(new HttpProblem(404, `there is nothing at ${c.req.method} ${c.req.path}; the API is described at /api/docs`));
  });

  if (options.editorDist !== false) mountEditor(app, options.editorDist);
  return app;
}
