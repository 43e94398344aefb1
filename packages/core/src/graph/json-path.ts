const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Turns a path like `['nodes', 2, 'config', 'topK']` into `$.nodes[2].config.topK`.
 * Keys that are not identifiers are bracket-quoted so the path stays unambiguous.
 */
export function jsonPath(segments: readonly PropertyKey[], root = '$'): string {
  let path = root;
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(String(segment))}]`;
  }
  return path;
}
