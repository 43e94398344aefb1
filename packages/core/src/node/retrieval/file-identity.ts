import { statSync } from 'node:fs';

/**
 * A file removed or replaced while a connection had it open (`rm .patchbay/retrieval.sqlite`, a restore
 * copied over it): the connection goes on reading and writing the old, unlinked file, so a search no
 * longer sees what `patchbay index` writes and an ingest would be acknowledged into a file no one will
 * read again. `code` is SQLite's for a file changed under it, which the runner answers with a 503.
 */
export class FileReplacedError extends Error {
  override name = 'FileReplacedError';
  readonly code = 'SQLITE_IOERR_VNODE';
  constructor(readonly file: string) {
    super(`${file} was removed or replaced while this process had it open; nothing was read or written there: restart the process to use the file there now`);
  }
}

/** Remembers which file is at `file` now; `check()` throws a FileReplacedError once another (or none) is there. */
export function fileIdentity(file: string): { check(): void } {
  const first = statSync(file, { bigint: true });
  return {
    check() {
      const now = statSync(file, { bigint: true, throwIfNoEntry: false });
      if (!now || now.ino !== first.ino || now.dev !== first.dev) throw new FileReplacedError(file);
    },
  };
}
