/**
 * Where a tools.http.headers entry is, as every message spells it: `tools.http.headers["api.github.com"].Authorization`.
 * The key is an origin with dots (and `://`, a port): written dotted, its end could not be told from the header's.
 */
export function httpHeadersPath(origin: string, header?: string): string {
  return `tools.http.headers[${JSON.stringify(origin)}]${header === undefined ? '' : `.${header}`}`;
}
