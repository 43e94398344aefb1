/**
 * Where and why JSON.parse refused a text, never quoting it: V8 quotes the 10 characters on each side of
 * an unexpected character ("Unexpected token 'g', ..."Api-Key": ghp_litera"... is not valid JSON"), and the
 * text may hold what must not be echoed (a literal credential, which cannot be masked before it parses).
 * `where` is "at line L, column C" (both from 1), absent when the parser names no place (the text ended).
 */
export function jsonSyntaxError(text: string, err: unknown): { where?: string; reason: string } {
  const message = err instanceof Error ? err.message : String(err);
  const at = POSITION.exec(message);
  if (at) return { where: lineAndColumn(text, Number(at[1])), reason: message.slice(0, at.index) };
  const token = /^Unexpected token '(.+?)', .* is not valid JSON$/s.exec(message);
  if (!token) return { reason: message };
  // Node 20's V8 names no position for an unexpected character: it is where a start of the text stops parsing.
  const offset = text.length <= MAX_SEARCHED ? stopOffset(text) : undefined;
  return { ...(offset === undefined ? {} : { where: lineAndColumn(text, offset) }), reason: `unexpected character '${token[1]}'` };
}

/** "… in JSON at position 12", "… after JSON at position 2". */
const POSITION = / (?:in JSON )?at position (\d+)/;

/** Past this, the unexpected character is not looked for: each probe parses up to it (~50 ms for 1 MB here). */
const MAX_SEARCHED = 1024 * 1024;

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `at line ${before.split('\n').length}, column ${offset - before.lastIndexOf('\n')}`;
}

/**
 * The offset of the character JSON.parse stopped at: the length of the longest start of `text` that is JSON or
 * only ends too early (a start of the one is a start of the other, so a binary search finds it).
 */
function stopOffset(text: string): number {
  let good = 0;
  let bad = text.length;
  while (bad - good > 1) {
    const mid = (good + bad) >> 1;
    if (endsEarly(text.slice(0, mid))) good = mid;
    else bad = mid;
  }
  return good;
}

function endsEarly(start: string): boolean {
  try {
    JSON.parse(start);
    return true;
  } catch (err) {
    const message = (err as Error).message;
    const at = POSITION.exec(message);
    return message.startsWith('Unexpected end of JSON input') || (at !== null && Number(at[1]) >= start.length);
  }
}
