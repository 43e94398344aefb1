import { readFile, stat } from 'node:fs/promises';
import { RetrievalInputError } from './retrieval-input-error';

/**
 * Reads one file to index as text, or says in one line why it cannot. Only a
 * regular file is read (a symlink counts as what it points to): a named pipe
 * would wait for a writer forever and a device such as /dev/zero never ends.
 * `shown` is the path as the user gave it, for messages.
 */
export async function readTextFile(file: string, shown: string, budget: { used: number; max: number }): Promise<string> {
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RetrievalInputError(`${shown}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  if (info.isDirectory()) throw new RetrievalInputError(`${shown}: a folder; give the files in it (e.g. ${shown.replace(/\/+$/, '')}/*.md)`);
  if (!info.isFile()) {
    const kind = info.isFIFO() ? 'a named pipe' : info.isSocket() ? 'a socket' : 'a device';
    throw new RetrievalInputError(`${shown}: ${kind}, not a file; only regular files are indexed`);
  }
  // Checked before reading: an ingest holds its text, chunks and vectors in memory until it commits.
  if (budget.used + info.size > budget.max) {
    const total = budget.used + info.size;
    throw new RetrievalInputError(
      `${shown}: ${byteSize(total)} of files${budget.used ? ' up to here' : ''}; one ingest takes at most ${byteSize(budget.max)} (it is held in memory while it is embedded): index them in several commands`,
    );
  }
  budget.used += info.size;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new RetrievalInputError(`${shown}: ${(err as Error).message}`);
  }
  return decodeUtf8(bytes, shown);
}

/**
 * UTF-8 only, so what is indexed is what the file says: Latin-1 read as UTF-8
 * would index "caf\uFFFD" and never match "café". A byte order mark (Windows
 * editors write one) is dropped, or JSON.parse would fail on it; a NUL byte
 * means a binary file (or UTF-16, named when its mark shows it).
 */
function decodeUtf8(bytes: Buffer, shown: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new RetrievalInputError(`${shown}: UTF-16 text; save the file as UTF-8 and index it again`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new RetrievalInputError(`${shown}:${lineAt(bytes, nul)}: a NUL byte: a binary file, not text`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RetrievalInputError(`${shown}:${lineAt(bytes, firstInvalidByte(bytes))}: not UTF-8 text; save the file as UTF-8 and index it again`);
  }
}

/** Where the lenient decoder first had to substitute, in bytes (a U+FFFD written in the file itself may come first: then the line is early, never wrong about the file). */
function firstInvalidByte(bytes: Buffer): number {
  const text = new TextDecoder('utf-8').decode(bytes);
  const at = text.indexOf('\uFFFD');
  return at < 0 ? 0 : Buffer.byteLength(text.slice(0, at));
}

function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i >= 0 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}

function byteSize(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${Math.round(n / (1024 * 1024))} MB`;
}
