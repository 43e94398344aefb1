/**
 * Another connection (a `patchbay index`, another runner on the data dir) held
 * the indexes' write lock for longer than an ingest waits: nothing was written,
 * and trying again later will do. The API answers 503 with retry-after.
 */
export class IndexesBusyError extends Error {
  override name = 'IndexesBusyError';
  constructor() {
    super('another process is writing to the indexes (a "patchbay index", or another runner on this data dir); try again when it is done');
  }
}
