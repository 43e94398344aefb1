import { stripVTControlCharacters } from 'node:util';

/** The most of a server's error text passed on: under the 2,000 characters a run keeps of an error, prefixes included. */
const MAX_CHARS = 1200;
const HEAD_CHARS = 600;

/**
 * The text of an MCP tool's error result (`isError`), as the call's error: its parts on lines of their own,
 * without colour codes, carriage returns or blank lines; past MAX_CHARS its start and its end with the middle
 * counted. The end is kept because that is where a traceback says what went wrong: a run keeps the first
 * 2,000 characters of an error, so a 30 KB Python traceback used to keep its first frames and lose its reason.
 */
export function mcpErrorText(parts: string[]): string {
  const kept = parts
    .join('\n')
    .split(/\r\n|\r|\n/)
    .map((line) => stripVTControlCharacters(line).trimEnd())
    .filter((line) => line.trim());
  const text = kept.join('\n');
  if (text.length <= MAX_CHARS) return text;
  const head = cutAtLine(text.slice(0, HEAD_CHARS), 'start');
  const tail = cutAtLine(text.slice(-(MAX_CHARS - HEAD_CHARS)), 'end');
  const middle = text.slice(head.length, text.length - tail.length);
  const lines = middle.split('\n').filter(Boolean).length;
  const leftOut = lines > 1 ? `${lines} lines (${middle.length} characters)` : `${middle.length} characters`;
  return `${head}\n… ${leftOut} left out …\n${tail}`;
}

/** A piece of the start (or end) without its last (or first) partial line, unless it is all one line. */
function cutAtLine(piece: string, keep: 'start' | 'end'): string {
  const at = keep === 'start' ? piece.lastIndexOf('\n') : piece.indexOf('\n');
  const whole = keep === 'start' ? piece.slice(0, Math.max(at, 0)) : piece.slice(at + 1);
  return at === -1 || !whole ? piece : whole;
}

const QUOTE_CHARS = 80;
const LINE_CHARS = 300;

/** Something a server wrote, quoted as JSON (so it reads as one line), cut to 80 characters, without colour codes. */
export function quoted(text: string): string {
  return JSON.stringify(cut(stripVTControlCharacters(text).trim(), QUOTE_CHARS));
}

/**
 * A reason that may quote a server (an HTTP error page the SDK puts in its message) as one line of at most
 * 300 characters, its lines joined by ` | `: an unavailable server is one of several reasons in one error.
 */
export function reasonLine(text: string): string {
  const lines = stripVTControlCharacters(text)
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  return cut(lines.join(' | '), LINE_CHARS);
}

export function cut(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}
