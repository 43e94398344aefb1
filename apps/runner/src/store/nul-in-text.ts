/**
 * True for PostgreSQL refusing a text that holds U+0000 (NUL): its TEXT cannot keep that character
 * (22021, "invalid byte sequence for encoding \"UTF8\": 0x00"), nor jsonb its escape (22P05). SQLite
 * keeps it, so only a PostgreSQL store meets this; it is the request's text, never the store failing.
 */
export function isNulInText(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (code === '22021' && /0x00/.test(err.message)) || (code === '22P05' && /\\u0000/.test(err.message));
}

/**
 * `text` with each NUL written as the six characters `\u0000`, for a TEXT column that takes outside text
 * (a run's or a node's error, which may quote a tool's or a server's binary answer): PostgreSQL refused
 * the whole write, and the run stayed running. Both stores keep it so, so they read back alike.
 */
export function nulEscaped(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\\u0000') : text;
}
