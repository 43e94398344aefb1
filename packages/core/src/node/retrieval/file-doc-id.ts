import { isAbsolute, posix, relative, resolve, sep } from 'node:path';

/**
 * A file's document id: its path, POSIX-normalised (`./a.md`, `docs//x/../a.md`
 * and `a.md` are one document, not three with duplicated chunks), relative to
 * `cwd` when it is inside it (an absolute path to a file under the current
 * folder is the same file as its relative path). A path outside `cwd` keeps its
 * own form, normalised. A plain path (`docs/a.md`) is its own id, as before.
 */
export function fileDocId(path: string, cwd: string): string {
  const slashes = (p: string) => (sep === '\\' ? p.replaceAll('\\', '/') : p);
  if (isAbsolute(path)) {
    const inside = relative(cwd, resolve(path));
    if (inside && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside)) return slashes(inside);
  }
  return posix.normalize(slashes(path)).replace(/^(\.\/)+/, '');
}
