import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/index';
import { UsageError, type CliIO } from './command';
import { flagOrEnv, reasonAbout } from './flag-or-env';
import { liveRedact, maskURLCredentials } from './workspace-services';

/** Where a command that works on what the runner keeps (keys, labels) finds it. */
export interface RunnerStoreFlags {
  data?: string;
  /** The shared store (`--store`, else PATCHBAY_STORE): what `serve --store` and the workers use. */
  store?: string;
}

/**
 * The runner's store: the shared one named by `--store` / PATCHBAY_STORE
 * (postgres://…, or a data dir the runners share), else the one in the
 * workspace data dir (`--data` > PATCHBAY_DATA > ./.patchbay). A runner on
 * PostgreSQL never reads its data dir's SQLite file, so writing there would
 * make keys it refuses and move labels nobody serves. Only `create` makes a
 * new SQLite store: a typo in --data (or --store) must not. `readOnly` (a
 * command that only lists) opens the store without writing it (no migration:
 * one whose schema is behind is StoreNeedsMigratingError), so it works in a
 * data dir this process may not write, and changes no shared database.
 */
export async function openRunnerStore(flags: RunnerStoreFlags, io: CliIO, options: { create?: boolean; onCreated?: (dataDir: string) => void; readOnly?: boolean } = {}): Promise<Store> {
  const { openSqliteStore, openSqliteStoreForReading, openStore, RUNNER_DB_FILE } = await import('../store/index');
  // What the CLI masks: also the keys of the workspace config a command opens after its store (promote's evals).
  const redact = liveRedact(io.env);
  const shared = flagOrEnv(flags.store, io.env, '--store', 'PATCHBAY_STORE');
  if (shared !== undefined) {
    maskURLCredentials('the credential in the store URL', shared.text);
    const { sqliteStoreDir, StoreLocationError } = await import('../queue/store-location');
    const { isPostgresUrl } = await import('../store/store-url');
    let target: string;
    try {
      target = sqliteStoreDir(shared.text, io.cwd);
    } catch (err) {
      throw err instanceof StoreLocationError ? new UsageError(reasonAbout(shared, '--store', err.message)) : err;
    }
    if (!isPostgresUrl(target) && !existsSync(path.join(target, RUNNER_DB_FILE))) {
      throw new UsageError(`${shared.name} ${target} holds no runner store (${RUNNER_DB_FILE}): give the data dir or postgres:// URL your runners share`);
    }
    if (options.readOnly) return openStore(target, { redact, readOnly: true });
    return openStore(target, { redact });
  }
  const { resolveDataDir } = await import('@patchbay/core/node');
  const dataDir = resolveDataDir({ flag: flags.data, env: io.env, cwd: io.cwd });
  // A file there would otherwise fail the store's mkdir with a bare EEXIST (exit 1), or read as "no runner store".
  if (statSync(dataDir, { throwIfNoEntry: false })?.isDirectory() === false) {
    const named = flags.data !== undefined ? '--data' : io.env.PATCHBAY_DATA ? 'PATCHBAY_DATA' : 'the data dir';
    throw new UsageError(`${named} ${dataDir} is a file, not a data dir: pass the directory your runner keeps its data in`);
  }
  const existed = existsSync(path.join(dataDir, RUNNER_DB_FILE));
  if (options.readOnly && existed) return openSqliteStoreForReading(dataDir, { redact });
  if (!options.create && !existed) throw new UsageError(`there is no runner store in ${dataDir} (start the runner there, or pass --data DIR or --store STORE)`);
  const store = await openSqliteStore(dataDir, { redact });
  if (!existed) options.onCreated?.(dataDir);
  return store;
}
