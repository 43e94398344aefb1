import { hostMatches } from './address-guard';

/**
 * A key of tools.http.headers: the origin its credentials are sent to, scheme and port included, as fetch and
 * browsers bind credentials. `api.github.com` (or `api.github.com:8443`) is https on 443 (or that port) only;
 * plain http must be written out, `http://127.0.0.1:8080`. Keyed by host alone, a credential would go to
 * `http://api.github.com` in cleartext, or to any port, whoever answers there.
 */
export interface HeaderOrigin {
  scheme: 'http' | 'https';
  /** Lower case, without brackets; `*.suffix` for any host under it. */
  host: string;
  port: number;
}

const DEFAULT_PORT = { http: 80, https: 443 } as const;
/** Any host text a URL might take (a Compose service's `auth_service`, `bücher.example`): new URL decides. */
const ORIGIN_KEY = /^(?:(https?):\/\/)?(\*\.[^\s/\\:?#@[\]]+|[^\s/\\:?#@[\]*]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?\/?$/i;
const NOT_AN_ORIGIN =
  'not an origin: write the host ("api.github.com", https on 443), "host:port" (https on that port) or "http://host:port" (plain http), with no path';

/** The origin a key names, or the one-line reason it names none. */
export function parseHeaderOrigin(key: string): HeaderOrigin | string {
  const m = ORIGIN_KEY.exec(key.trim());
  if (!m || (m[3] && (Number(m[3]) < 1 || Number(m[3]) > 65535))) return NOT_AN_ORIGIN;
  const scheme = (m[1]?.toLowerCase() ?? 'https') as HeaderOrigin['scheme'];
  const port = m[3] ? Number(m[3]) : DEFAULT_PORT[scheme];
  if (m[2].startsWith('[')) return { scheme, host: m[2].toLowerCase().slice(1, -1), port };
  // A request's URL keeps the dot (`api.github.com.`), so such a key would silently match nothing that was meant.
  if (m[2].endsWith('.')) return `a host ending in "." matches no request: write "${m[2].replace(/\.+$/, '')}"`;
  const wildcard = m[2].startsWith('*.');
  const host = urlHostname(wildcard ? m[2].slice(2) : m[2]);
  if (host === undefined) return NOT_AN_ORIGIN;
  return { scheme, host: wildcard ? `*.${host}` : host, port };
}

/**
 * The host as a request's URL has it (lower case, an internationalised name in punycode: `xn--bcher-kva.example`),
 * or undefined for text no URL takes as a host name.
 */
function urlHostname(text: string): string | undefined {
  let hostname: string;
  try {
    hostname = new URL(`http://${text}`).hostname;
  } catch {
    return undefined;
  }
  return /^[a-z0-9._-]+$/.test(hostname) ? hostname : undefined;
}

/** Whether `url` is at `origin`: same scheme, same port (the scheme's default when the URL names none), same host. */
export function atOrigin(url: URL, origin: HeaderOrigin): boolean {
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== origin.scheme) return false;
  if (Number(url.port || DEFAULT_PORT[origin.scheme]) !== origin.port) return false;
  return hostMatches(url.hostname.toLowerCase().replace(/^\[|\]$/g, ''), origin.host);
}

/**
 * Whether `key`, written without a scheme (so https only), names `url`'s host and port while `url` is plain
 * http: before origins, `"localhost:3000"` sent its credential to http://localhost:3000. Going out without it
 * would be a 401 the model sees and nobody else; the call fails naming the key instead.
 */
export function httpsOnlyAtPlainHttp(url: URL, key: string, origin: HeaderOrigin): boolean {
  return url.protocol === 'http:' && !/^https?:\/\//i.test(key.trim()) && atOrigin(url, { ...origin, scheme: 'http' });
}
