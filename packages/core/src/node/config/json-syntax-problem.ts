/**
 * What is wrong with a text that JSON.parse refused, and where (line and column), never quoting it: V8 quotes the
 * 10 characters on each side of an unexpected character ("Unexpected token 'g', ..."Api-Key": ghp_litera"... is
 * not valid JSON"), and a workspace config may hold a literal credential there, which cannot be masked before the
 * file parses.
 */
export function jsonSyntaxProblem(text: string, err: Error): string {
  const at = / in JSON at position (\d+)/.exec(err.message);
  if (at) return `not valid JSON ${place(text, Number(at[1]))}: ${err.message.slice(0, at.index)}`;
  if (!/is not valid JSON$/.test(err.message)) return `not valid JSON: ${err.message}`;
  const offset = stopOffset(text);
  return `not valid JSON ${place(text, offset)}: unexpected character '${text[offset] ?? ''}'`;
}

/** `at line L, column C` of `offset` (both from 1). */
function place(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `at line ${line}, column ${offset - before.lastIndexOf('\n')}`;
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
    const at = / in JSON at position (\d+)/.exec(message);
    return message === 'Unexpected end of JSON input' || (at !== null && Number(at[1]) === start.length);
  }
}
