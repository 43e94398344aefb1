import path from 'node:path';

/**
 * What a process that may not write the data dir's retrieval file says (on stderr, in serve's log) when its
 * keyword indexes were written by an earlier version: it cannot re-read them, and search quality differs.
 */
export function oldKeywordIndexesNote(dataDir: string): string {
  return (
    `note: the keyword indexes in ${path.join(dataDir, 'retrieval.sqlite')} were written by an earlier version and this process cannot write the file to ` +
    'bring them up to date: keyword search matches words as that version did (full-width, zero-width and CJK text differ) until a patchbay command ' +
    '(index, search) opens it once with write access'
  );
}
