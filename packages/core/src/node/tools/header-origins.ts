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
const ORIGIN_KEY = /^(?:(https?):\/\/)?(\*\.[a-z0-9.-]+|[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?\/?$/i;

/** The origin a key names, or the one-line reason it names none. */
export function parseHeaderOrigin(key: string): HeaderOrigin | string {
  const m = ORIGIN_KEY.exec(key.trim());
  if (!m || (m[3] && (Number(m[3]) < 1 || Number(m[3]) > 65535))) {
    return 'not an origin: write the host ("api.github.com", https on 443), "host:port" (https on that port) or "http://host:port" (plain http), with no path';
  }
  const scheme = (m[1]?.toLowerCase() ?? 'https') as HeaderOrigin['scheme'];
  return { scheme, host: m[2].toLowerCase().replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : DEFAULT_PORT[scheme] };
}

/** Whether `url` is at `origin`: same scheme, same port (the scheme's default when the URL names none), same host. */
export function atOrigin(url: URL, origin: HeaderOrigin): boolean {
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== origin.scheme) return false;
  if (Number(url.port || DEFAULT_PORT[origin.scheme]) !== origin.port) return false;
  return hostMatches(url.hostname.toLowerCase().replace(/^\[|\]$/g, ''), origin.host);
}
