import { MAX_JSON_DEPTH, PROTO_KEY_MESSAGE } from '@patchbay/core';
import { parseJsonOffThread } from '@patchbay/core/json-parse-thread';
import type { MiddlewareHandler } from 'hono';
import { HttpProblem } from './problem';

/**
 * Parses a JSON request body once, at the edge, and refuses one nested deeper
 * than MAX_JSON_DEPTH (256) levels with a 400 naming the JSON path: every later
 * walk (validation, secret checks, canonical JSON, the store) is then safe. A
 * `__proto__` key is refused there too (see PROTO_KEY_MESSAGE), and so is a lone surrogate (`"\ud800"`),
 * which no text column stores as sent.
 * The parsed value is handed on, so the route's validator does not parse again.
 * A compressed body (Content-Encoding other than identity) is a 415; malformed JSON a 400 saying where.
 * A long body is parsed and checked on a worker thread (parseJsonOffThread), so a 5 MB dataset upload
 * does not hold the event loop while it is read.
 */
export function jsonBody(maxDepth = MAX_JSON_DEPTH): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    // Bodies are read as sent: a gzip one would be called malformed JSON. RFC 7694 answers an unsupported coding with 415.
    const coding = c.req.header('content-encoding')?.trim().toLowerCase();
    if (coding && coding !== 'identity') throw new HttpProblem(415, `send the request body uncompressed: Content-Encoding "${coding.slice(0, 40)}" is not supported`);
    if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(c.req.header('content-type') ?? '')) return next();
    const text = await c.req.text();
    const parsed = await parseJsonOffThread(text, { maxDepth, refuseProtoKey: true, refuseLoneSurrogates: true });
    if ('syntax' in parsed) {
      if (text.trim() === '') return next(); // no body: the route says whether it needs one
      const { where, reason } = parsed.syntax;
      throw new HttpProblem(400, `malformed JSON in request body${where ? ` ${where}` : ''}: ${reason}`);
    }
    const problem = 'limit' in parsed ? parsed.limit : undefined;
    if (problem?.kind === 'depth') {
      const message = `nests deeper than the limit of ${maxDepth} levels`;
      throw new HttpProblem(400, `the request body ${message} at ${problem.shownPath}`, { type: 'too-deep', errors: [{ path: problem.path, message }], shownPath: problem.shownPath });
    }
    if (problem?.kind === 'proto-key') {
      throw new HttpProblem(400, `${PROTO_KEY_MESSAGE} at ${problem.path}`, { type: 'forbidden-key', errors: [{ path: problem.path, message: PROTO_KEY_MESSAGE }] });
    }
    if (problem?.kind === 'lone-surrogate') {
      const message = `holds a lone surrogate (${problem.unit}), which is not Unicode text`;
      throw new HttpProblem(400, `the request body ${message}, at ${problem.path}`, { errors: [{ path: problem.path, message }] });
    }
    const value = 'value' in parsed ? parsed.value : undefined;
    c.req.json = (() => Promise.resolve(value)) as typeof c.req.json;
    return next();
  };
}
