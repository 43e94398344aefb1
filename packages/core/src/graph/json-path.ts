const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The most characters of a key a path or a message quotes: a key of 300,000 was echoed whole, in each. */
export const MAX_SHOWN_KEY = 60;

/** A key as a problem shows it: whole up to 60 characters, else its first 60 and how long it is. */
export function shownKey(key: string): string {
  return key.length <= MAX_SHOWN_KEY ? key : `${key.slice(0, MAX_SHOWN_KEY)}…(${key.length.toLocaleString('en-US')} characters)`;
}

/** A key quoted in a message, as JSON: `"timeoutMs"`, `"kkk…(300,000 characters)"`. */
export function quotedKey(key: string): string {
  return JSON.stringify(shownKey(key));
}

/**
 * Turns a path like `['nodes', 2, 'config', 'topK']` into `$.nodes[2].config.topK`.
 * Keys that are not identifiers are bracket-quoted so the path stays unambiguous; a long key is
 * shown as `shownKey` shows it.
 */
export function jsonPath(segments: readonly PropertyKey[], root = '$'): string {
  let path = root;
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment) && segment.length <= MAX_SHOWN_KEY) path += `.${segment}`;
    else path += `[${quotedKey(String(segment))}]`;
  }
  return path;
}

const SHOWN_HEAD = 4;
const SHOWN_TAIL = 2;

/**
 * A path for a message: whole up to 8 segments, else its first 4 and last 2 with the count between
 * (`$.inputs.q[0][0]…(250 more levels)…[0][0]`), as a value nested past the depth limit repeated `[0]` 256 times.
 */
export function shownJsonPath(segments: readonly PropertyKey[], root = '$'): string {
  if (segments.length <= SHOWN_HEAD + SHOWN_TAIL + 2) return jsonPath(segments, root);
  const between = segments.length - SHOWN_HEAD - SHOWN_TAIL;
  return `${jsonPath(segments.slice(0, SHOWN_HEAD), root)}…(${between} more levels)…${jsonPath(segments.slice(-SHOWN_TAIL), '')}`;
}
