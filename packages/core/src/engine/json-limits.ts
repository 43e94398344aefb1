import { jsonPath, shownJsonPath } from '../graph/json-path';
/**
 * Bounds on JSON values that cross the engine: nesting depth (a recursive walk —
 * JSON.stringify, a redactor, canonical JSON — overflows the stack on ~5,000
 * levels) and size. Both checks walk iteratively, so they are safe on any value.
 */
export const MAX_JSON_DEPTH = 256;

export type JsonLimitProblem =
  /** `path` whole (for a problem's path), `shownPath` abbreviated for a message (shownJsonPath). */
  | { kind: 'depth'; path: string; shownPath: string; maxDepth: number }
  | { kind: 'size'; maxBytes: number }
  | { kind: 'proto-key'; path: string }
  | { kind: 'lone-surrogate'; path: string; unit: string };

/**
 * JSON.parse makes `"__proto__"` an own key, but a copy by assignment (a zod record,
 * Object.assign) sets the copy's prototype instead, so the key vanishes unseen. Input
 * that crosses the edge refuses it (`refuseProtoKey`), as Fastify's body parser does.
 */
export const PROTO_KEY_MESSAGE = `the key "__proto__" is not accepted in JSON (it would set an object's prototype)`;

interface JsonLimits {
  maxDepth?: number;
  maxBytes?: number;
}

/** Input that crosses the edge: refuses a `__proto__` key and, with `refuseLoneSurrogates`, a lone surrogate. */
interface EdgeChecks {
  refuseProtoKey: true;
  /**
   * `"\ud800"` is valid JSON but no Unicode text: a text column (SQLite's, PostgreSQL's) cannot hold it
   * and keeps U+FFFD instead, so what is read back is not what was acknowledged.
   */
  refuseLoneSurrogates?: boolean;
}

/** A high surrogate with no low one after it, or a low one with no high one before it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first lone surrogate of a string, as `\ud800`; undefined when it has none. */
function loneSurrogate(text: string): string | undefined {
  const at = text.search(LONE_SURROGATE);
  return at < 0 ? undefined : `\\u${text.charCodeAt(at).toString(16)}`;
}

interface Frame {
  value: unknown;
  depth: number;
  parent?: Frame;
  key?: string | number;
}

/** The keys from the root to a frame. */
function keysOf(frame: Frame): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f?.parent; f = f.parent) keys.push(f.key!);
  return keys.reverse();
}

/** `$.a.b[0]` for a frame, from its parents. */
const pathOf = (frame: Frame): string => jsonPath(keysOf(frame));

/**
 * The first bound `value` breaks: deeper than `maxDepth` levels of arrays and
 * objects (the path of the first container past it), more than `maxBytes`
 * of JSON text (counted roughly as it walks, and it stops as soon as it is over),
 * or (with `refuseProtoKey`) an object with a `__proto__` key (that object's path).
 */
export function checkJsonLimits(
  value: unknown,
  limits?: JsonLimits & { refuseProtoKey?: false },
): Exclude<JsonLimitProblem, { kind: 'proto-key' | 'lone-surrogate' }> | undefined;
export function checkJsonLimits(value: unknown, limits: JsonLimits & EdgeChecks): JsonLimitProblem | undefined;
export function checkJsonLimits(value: unknown, limits: JsonLimits & { refuseProtoKey?: boolean; refuseLoneSurrogates?: boolean } = {}): JsonLimitProblem | undefined {
  const maxDepth = limits.maxDepth ?? MAX_JSON_DEPTH;
  const maxBytes = limits.maxBytes ?? Infinity;
  let bytes = 0;
  const stack: Frame[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const v = frame.value;
    if (typeof v === 'string') {
      const unit = limits.refuseLoneSurrogates ? loneSurrogate(v) : undefined;
      if (unit) return { kind: 'lone-surrogate', path: pathOf(frame), unit };
      bytes += v.length + 2;
    }
    else if (typeof v === 'number') bytes += 8;
    else if (typeof v === 'boolean' || v === null || v === undefined) bytes += 5;
    else if (typeof v === 'object') {
      const depth = frame.depth + 1;
      if (depth > maxDepth) {
        const keys = keysOf(frame);
        return { kind: 'depth', path: jsonPath(keys), shownPath: shownJsonPath(keys), maxDepth };
      }
      bytes += 2;
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth, parent: frame, key: i });
        bytes += v.length;
      } else {
        for (const key of Object.keys(v)) {
          if (key === '__proto__' && limits.refuseProtoKey) return { kind: 'proto-key', path: pathOf(frame) };
          const unit = limits.refuseLoneSurrogates ? loneSurrogate(key) : undefined;
          if (unit) return { kind: 'lone-surrogate', path: pathOf(frame), unit };
          bytes += key.length + 4;
          stack.push({ value: (v as Record<string, unknown>)[key], depth, parent: frame, key });
        }
      }
    }
    if (bytes > maxBytes) return { kind: 'size', maxBytes };
  }
  return undefined;
}
