import type { MiddlewareHandler } from 'hono';
import { HttpProblem } from './problem';

const LOOPBACK_NAMES = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `example.com` of a Host header `example.com:8787` (`[::1]` stays bracketed). */
function hostName(host: string): string {
  const bracketed = /^(\[[^\]]*\])/.exec(host);
  return (bracketed ? bracketed[1] : host.replace(/:\d*$/, '')).toLowerCase();
}

/**
 * Against DNS rebinding and cross-site requests, for a runner on loopback with
 * no token: a Host that is not a loopback name (nor one of `allowedHosts`) is a
 * page that rebound its DNS to 127.0.0.1, and is refused; an `Origin` that is
 * neither this runner's own nor one of `cors` may not change state or open an
 * event stream (403).
 */
export function originGuard(options: { allowedHosts?: string[]; cors?: string[] }): MiddlewareHandler {
  const hosts = new Set((options.allowedHosts ?? []).map((h) => hostName(h)));
  const origins = new Set(options.cors ?? []);
  return async (c, next) => {
    const host = c.req.header('host') ?? '';
    const name = hostName(host);
    if (!LOOPBACK_NAMES.test(name) && !hosts.has(name)) {
      throw new HttpProblem(403, `the Host "${host.slice(0, 100)}" is not served: this runner answers loopback names only (add one with --allowed-host)`, { type: 'host-not-allowed' });
    }
    const origin = c.req.header('origin');
    const stream = (c.req.header('accept') ?? '').includes('text/event-stream') || c.req.path.endsWith('/events');
    const foreign = origin !== undefined && origin !== `http://${host}` && !origins.has(origin);
    if (foreign && (!SAFE_METHODS.has(c.req.method) || stream)) {
      throw new HttpProblem(403, `requests from the origin "${origin.slice(0, 100)}" are not allowed (allow one with --cors)`, { type: 'origin-not-allowed' });
    }
    await next();
  };
}
