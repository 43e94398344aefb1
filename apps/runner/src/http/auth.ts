import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { HttpProblem } from './problem';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * `Authorization: Bearer <token>` on every request it guards. Both sides are
 * hashed first so timingSafeEqual compares equal-length buffers and the time
 * taken says nothing about the token's length or prefix.
 */
export function bearerAuth(token: string): MiddlewareHandler {
  const expected = digest(token);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match || !timingSafeEqual(digest(match[1]), expected)) {
      throw new HttpProblem(401, match ? 'the bearer token is not valid' : 'this runner needs "Authorization: Bearer <PATCHBAY_TOKEN>"', {
        type: 'unauthorized',
        headers: { 'www-authenticate': 'Bearer realm="patchbay"' },
      });
    }
    await next();
  };
}
