import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { findServingKey, KEY_PREFIX } from '../deploy/serving-keys';
import type { KeyStore } from '../store/index';
import { setCaller } from './caller';
import { HttpProblem } from './problem';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The routes a serving key may reach: the OpenAI-compatible /v1 and `POST /api/pipelines/:name/run`. */
export function isServingRoute(method: string, path: string): boolean {
  return path.startsWith('/v1/') || (method === 'POST' && /^\/api\/pipelines\/[^/]+\/run\/?$/.test(path));
}

/** How often a key's "last used" is written at most: not a database write per request. */
const TOUCH_EVERY_MS = 60_000;

/**
 * `Authorization: Bearer …` for /api and /v1: the admin token reaches all; a
 * serving key (`pbk_…`) only the serving routes (403 elsewhere; its pipeline
 * scope is checked by those routes), and an unknown or revoked one is 401.
 * Without a token (loopback only), no key is needed, as for the API.
 * `/metrics` is guarded the same way with its own tokens (the API's and a
 * scraper's), `needs` and `realm` saying so.
 */
/** `keys` is read when a key is presented: the app is also built without a store (to write its OpenAPI document). */
export function authenticate(options: {
  token?: string | string[];
  keys: () => KeyStore;
  /** What a route that is not a serving route takes instead of a key, in the 401 and 403 lines. */
  needs?: string;
  realm?: string;
}): MiddlewareHandler {
  const expected = [options.token ?? []].flat().filter(Boolean).map(digest);
  const needs = options.needs ?? 'the admin token';
  const unauthorized = (detail: string) => new HttpProblem(401, detail, { type: 'unauthorized', headers: { 'www-authenticate': `Bearer realm="${options.realm ?? 'patchbay'}"` } });
  const touched = new Map<string, number>();
  return async (c, next) => {
    const match = /^Bearer\s+(.+)$/i.exec((c.req.header('authorization') ?? '').trim());
    const presented = match?.[1];
    if (presented && expected.length > 0) {
      const given = digest(presented);
      // Every token compared, so the time taken does not say which one was near.
      if (expected.map((e) => timingSafeEqual(given, e)).includes(true)) return next();
    }
    if (presented?.startsWith(KEY_PREFIX)) {
      const keys = options.keys();
      const key = await findServingKey(keys, presented);
      if (!key) throw unauthorized('this serving key is not valid (unknown or revoked)');
      if (!isServingRoute(c.req.method, c.req.path)) {
        throw new HttpProblem(403, `a serving key reaches only /v1/* and POST /api/pipelines/:name/run; ${c.req.method} ${c.req.path} needs ${needs}`, { type: 'forbidden' });
      }
      const id = key.hash.toString('hex');
      setCaller(c, { kind: 'key', name: key.name, pipelines: key.pipelines, hash: id });
      const now = Date.now();
      // By the key itself, not its name: a key made again under a revoked one's name is another key, never used yet.
      if (now - (touched.get(id) ?? 0) >= TOUCH_EVERY_MS) {
        touched.set(id, now);
        await keys.touch(key.name, now);
      }
      return next();
    }
    if (expected.length === 0) return next();
    throw unauthorized(presented ? 'the bearer token is not valid' : options.needs ? `this route needs "Authorization: Bearer …" with ${needs}` : 'this runner needs "Authorization: Bearer <PATCHBAY_TOKEN>" (or a serving key on the serving routes)');
  };
}
