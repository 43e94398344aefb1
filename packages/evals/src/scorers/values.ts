/** How scorers read values: text for the text scorers, a short preview for reasons. */

/** A value as text: strings as they are, documents joined by their text, anything else as JSON. */
export function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((d) => d && typeof d === 'object' && typeof (d as { text?: unknown }).text === 'string')) {
    return value.map((d) => (d as { text: string }).text).join('\n');
  }
  return JSON.stringify(value);
}

/** A value as text, trimmed and case-folded as the scorer's `trim` / `ignoreCase` options say. */
export function normalisedText(value: unknown, options: { trim: boolean; ignoreCase: boolean }): string {
  const text = options.trim ? asText(value).trim() : asText(value);
  return options.ignoreCase ? text.toLowerCase() : text;
}

/** A quoted, shortened value for a one-line reason. */
export function preview(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : asText(value);
  const flat = text.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat);
}

/** A string holding JSON is parsed (strictly: a ```json fence is not JSON); anything else is taken as the value itself. */
export function asJson(value: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  if (typeof value !== 'string') return { ok: true, value };
  try {
    return { ok: true, value: JSON.parse(value) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Models often wrap JSON in a ```json fence; the content is what counts. */
export function stripFence(text: string): string {
  const m = /^\s*```[a-zA-Z]*\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return m ? m[1] : text;
}

/**
 * Why expected texts would match every output (an empty list under "all", an empty text that
 * every text contains or every pattern matches), or null. Such a case must be an error, not a pass.
 */
export function matchesEverything(wanted: string[]): string | null {
  if (wanted.length === 0) return 'the expected value is an empty list: every output would match it';
  if (wanted.some((w) => w === '')) return 'the expected value is empty: every output would match it';
  return null;
}
