import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkspaceConfig } from '@patchbay/core/node';
import type { EvalSessionServices } from '@patchbay/evals';
import type { Store } from '../store/index';
import { WORKSPACE_CONFIG, type WorkspacePins } from '../workspace/workspace-pins';
import { UsageError, type CliIO } from './command';
import { liveRedact, maskConfigSecrets } from './workspace-services';

/** The workspace the servers of a shared store published, opened for the evals of a CLI command. */
export interface StoreWorkspace {
  services: EvalSessionServices;
  config: WorkspaceConfig;
  /** What it is pinned to, for a line on stderr: `config 1a2b3c4d5e6f, indexes: docs`. */
  pinned: string;
  /** The config and every index published, by hash: what its evals run with. */
  pins: WorkspacePins;
  close(): Promise<void>;
}

/**
 * The workspace (config and index artifacts) the store's scaled-out servers published, pinned now as a
 * server pins an eval when it starts (every index published now, so nested pipelines see the same): what
 * a worker would run its cases with, whatever the data dir of the folder the CLI runs in holds. Undefined
 * when the store holds no workspace config (no server started with --queue on it): the command then uses
 * its data dir's workspace. A --config beside it is refused (it would not be read). The index artifacts
 * fetched are cached in `flags.data`'s artifacts/ (an existing data dir named by --data or PATCHBAY_DATA,
 * as a server's), else in a temp dir removed at close.
 */
export async function openStoreWorkspace(store: Store, io: CliIO, flags: { data?: string; config?: string; storeName: string }): Promise<StoreWorkspace | undefined> {
  const config = await store.artifacts.current('config', WORKSPACE_CONFIG);
  if (!config) return undefined;
  if (flags.config !== undefined) {
    throw new UsageError(`--config ${flags.config}: the store ${flags.storeName} holds the workspace config its servers published, which the evals run with (as the workers do); leave out --config`);
  }
  const indexes = Object.fromEntries((await store.artifacts.names('index')).map((n) => [n.name, n.hash]));
  const [{ WorkspaceResolver }, { storeResolverOf }, { artifactCacheHome }] = await Promise.all([
    import('../workspace/workspace-resolver'),
    import('../pipelines/pipeline-resolver'),
    import('../workspace/artifact-cache-home'),
  ]);
  const home = flags.data !== undefined && statSync(flags.data, { throwIfNoEntry: false })?.isDirectory() ? artifactCacheHome(flags.data) : { dir: mkdtempSync(path.join(os.tmpdir(), 'patchbay-promote-cache-')), temporary: true };
  const removeHome = () => home.temporary && rmSync(home.dir, { recursive: true, force: true });
  const resolver = new WorkspaceResolver({
    artifacts: store.artifacts,
    cacheDir: home.dir,
    env: io.env,
    redact: liveRedact(io.env),
    responseCache: store.responseCache,
    pipelines: storeResolverOf(store),
    log: (line) => io.stderr.write(`${line}\n`),
  });
  const close = async () => {
    await resolver.close();
    removeHome();
  };
  try {
    const resolved = await resolver.resolve({ config, indexes });
    await maskConfigSecrets(resolved.config, io.env);
    const names = Object.keys(indexes);
    return { services: resolved.services, config: resolved.config, pinned: `config ${config.slice(0, 12)}, indexes: ${names.length ? names.join(', ') : '(none)'}`, pins: { config, indexes }, close };
  } catch (err) {
    await close();
    throw err;
  }
}
