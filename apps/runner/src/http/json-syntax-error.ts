/**
 * Where and why JSON.parse refused a text, in words for a one-line reason:
 * "at line 3, column 3: expected ',' or '}' after property value".
 */
export function jsonSyntaxError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const offset = errorOffset(text, message);
  const where = offset === undefined ? '' : ` at ${lineAndColumn(text, offset)}`;
  return `${where}: ${reasonWords(message)}`;
}

/** Past this, an unexpected character (whose offset V8 does not say) is not searched for: each probe parses up to it. */
const MAX_SEARCHED = 1024 * 1024;

function errorOffset(text: string, message: string): number | undefined {
  const at = / (?:in JSON )?at position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  if (message.startsWith('Unexpected end of JSON input')) return text.length;
  if (text.length > MAX_SEARCHED) return undefined;
  // Node 20's V8 says "Unexpected token 'x'" without a position: the first prefix no JSON text starts with ends at it.
  let [good, bad] = [0, text.length];
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1;
    if (startsJson(text.slice(0, mid))) good = mid;
    else bad = mid;
  }
  return bad - 1;
}

/** True if `prefix` is JSON or the start of some JSON text (parsing fails only at its end). */
function startsJson(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (err) {
    const message = (err as Error).message;
    const at = / (?:in JSON )?at position (\d+)/.exec(message);
    return message.startsWith('Unexpected end of JSON input') || (at !== null && Number(at[1]) >= prefix.length);
  }
}

function lineAndColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) [line, lineStart] = [line + 1, i + 1];
  return `line ${line}, column ${offset - lineStart + 1}`;
}

/** V8's reason without its position or its quote of the text (which may hold what the sender would not see echoed). */
function reasonWords(message: string): string {
  if (message.startsWith('Unexpected end of JSON input')) return 'the text ends before the JSON does';
  if (message.startsWith('Unterminated string')) return 'the text ends inside a string';
  const token = /^Unexpected token '(.+?)', /s.exec(message);
  if (token) return `unexpected character '${token[1]}'`;
  const words = message.replace(/ (?:in JSON )?at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '');
  return words.charAt(0).toLowerCase() + words.slice(1);
}
