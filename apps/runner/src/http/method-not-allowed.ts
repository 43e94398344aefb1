/**
 * Tells a wrong method (405 with Allow) from an unknown path (404). Hono
 * answers both with "not found"; this table, built from the routes the app
 * registered, says which methods a path does have.
 */
export class RouteTable {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];

  /** `path` in OpenAPI (`/api/runs/{id}`) or Hono (`/api/runs/:id`) form. */
  add(method: string, path: string) {
    const source = path
      .split('/')
      .map((part) => (/^\{.+\}$|^:/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    // Exactly the path, as the router matches it: with a trailing slash no route answers (404), so no method is "allowed".
    const existing = this.routes.find((r) => r.pattern.source === `^${source}$`);
    if (existing) existing.methods.add(method.toUpperCase());
    else this.routes.push({ pattern: new RegExp(`^${source}$`), methods: new Set([method.toUpperCase()]) });
  }

  /** The methods `path` answers to; empty when no route has that path. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.routes) if (route.pattern.test(path)) route.methods.forEach((m) => methods.add(m));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  }
}
