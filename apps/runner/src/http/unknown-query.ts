import { didYouMean, shownKey } from '@patchbay/core';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { HttpProblem } from './problem';

/** Each OpenAPI route's query parameters, keyed `METHOD /hono/:path`, with its path as documented. */
type QueryTable = Map<string, { path: string; names: string[] }>;

function declaredQueries(app: OpenAPIHono): QueryTable {
  const table: QueryTable = new Map();
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== 'route') continue;
    const { method, path, request } = definition.route;
    const query = request?.query as { shape?: Record<string, unknown> } | undefined;
    table.set(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`, { path, names: Object.keys(query?.shape ?? {}) });
  }
  return table;
}

/**
 * A query parameter a route does not take is a 400 naming it (and the close one it has): zod drops
 * unknown keys, so a typo in a filter (`?pipline=x`) answered as if there were no filter at all.
 * The routes' own schemas are the list of what each takes; routes outside OpenAPI are not checked.
 */
export function unknownQueryParams(app: OpenAPIHono): MiddlewareHandler {
  let table: QueryTable | undefined;
  return async (c, next) => {
    const search = c.req.url.indexOf('?');
    if (search < 0) return next();
    // Built on first use, once every module has registered its routes.
    table ??= declaredQueries(app);
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    const route = c.req.matchedRoutes.map((r) => table!.get(`${method} ${r.path}`)).find((r) => r !== undefined);
    if (!route) return next();
    const unknown = [...new URLSearchParams(c.req.url.slice(search)).keys()].find((name) => !route.names.includes(name));
    if (unknown === undefined) return next();
    // A name that is no plain word is quoted as JSON (control characters escaped, where it starts and ends seen).
    const shown = shownKey(unknown);
    const path = /^[A-Za-z0-9_.-]+$/.test(shown) ? `query.${shown}` : `query[${JSON.stringify(shown)}]`;
    const hint = didYouMean(unknown, route.names) || ` (it takes ${route.names.length > 0 ? route.names.join(', ') : 'none'})`;
    const message = `is not a parameter of ${method} ${route.path}${hint}`;
    throw new HttpProblem(400, `invalid query: ${path} ${message}`, { errors: [{ path, message }] });
  };
}
