/**
 * A runner store opened for reading only (`patchbay keys list`) whose tables are behind this version's:
 * reading them as they are could answer wrong, and migrating is writing, which a read command does not do.
 * `location` is the SQLite file or the PostgreSQL URL as shown (password masked); `serveWith` the flag
 * that starts a runner on it (`--data DIR`, `--store URL`), which migrates.
 */
export class StoreNeedsMigratingError extends Error {
  override name = 'StoreNeedsMigratingError';
  constructor(
    readonly location: string,
    readonly pending: string[],
    serveWith: string,
    /** No migration has run there: no runner ever started on it. */
    empty = false,
  ) {
    super(
      empty
        ? `there is no runner store in ${location}: start the runner on it once (patchbay serve ${serveWith})`
        : `the runner store ${location} was written by an earlier version and needs migrating, which this command does not do: ` +
            `start the runner on it once (patchbay serve ${serveWith}) as a user who may write it`,
    );
  }
}
