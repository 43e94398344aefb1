import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';

/**
 * Dataset files are read as strict UTF-8: a Latin-1 or UTF-16 export would
 * otherwise be read with U+FFFD in place of every accented letter, and scored
 * as such without a word. A byte sequence that is not UTF-8 is refused with its line.
 */

/** The 1-based line (lines end at \n) of the first line of `bytes` that is not UTF-8, or null when all are. */
export function firstNonUtf8Line(bytes: Buffer): number | null {
  if (isUtf8(bytes)) return null;
  let line = 1;
  for (let start = 0; start <= bytes.length; line++) {
    let end = bytes.indexOf(10, start);
    if (end === -1) end = bytes.length;
    // \n is never part of a multi-byte character, so each line can be checked alone.
    if (!isUtf8(bytes.subarray(start, end))) return line;
    start = end + 1;
  }
  return line;
}

/** A file's text, chunk by chunk; `notUtf8(line)` is thrown at the first line that is not UTF-8. */
export async function* utf8Chunks(path: string, notUtf8: (line: number) => Error): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  // Lines before the current chunk, and the bytes after the last \n before it (the start of the current line).
  let linesBefore = 0;
  let tail: Buffer[] = [];
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw notUtf8(linesBefore + (firstNonUtf8Line(Buffer.concat([...tail, chunk])) ?? 1));
    }
    const lastBreak = chunk.lastIndexOf(10);
    if (lastBreak === -1) tail.push(chunk);
    else {
      for (let i = chunk.indexOf(10); i !== -1 && i <= lastBreak; i = chunk.indexOf(10, i + 1)) linesBefore++;
      tail = [chunk.subarray(lastBreak + 1)];
    }
    if (text) yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest) yield rest;
  } catch {
    throw notUtf8(linesBefore + 1);
  }
}
