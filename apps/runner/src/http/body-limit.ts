import type { MiddlewareHandler } from 'hono';
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit';
import { HttpProblem } from './problem';

/**
 * 413 for a body over `maxBytes`. A request that declares its length (nearly
 * all JSON clients) is judged by the header alone; only a chunked upload goes
 * through Hono's counting middleware. Touching the body stream for every
 * request would make @hono/node-server build a full web Request each time.
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler {
  const tooLarge = () => {
    throw new HttpProblem(413, `the request body is over the limit of ${maxBytes} bytes`);
  };
  const counting = streamingBodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async (c, next) => {
    const chunked = c.req.header('transfer-encoding') !== undefined;
    const length = c.req.header('content-length');
    if (!chunked && length === undefined) return next(); // HTTP/1.1: no body at all
    if (!chunked) return Number(length) > maxBytes ? tooLarge() : next();
    return counting(c, next);
  };
}
