import { readFile, stat } from 'node:fs/promises';
import { RetrievalInputError } from './retrieval-input-error';

/**
 * Reads one file to index as text, or says in one line why it cannot. Only a
 * regular file is read (a symlink counts as what it points to): a named pipe
 * would wait for a writer forever and a device such as /dev/zero never ends.
 * `shown` is the path as the user gave it, for messages.
 */
export async function readTextFile(file: string, shown: string): Promise<string> {
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
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new RetrievalInputError(`${shown}: ${(err as Error).message}`);
  }
}
