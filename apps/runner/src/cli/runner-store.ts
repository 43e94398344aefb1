import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/index';
import { UsageError, type CliIO } from './command';

/**
 * The runner's store in the workspace data dir (`--data` > PATCHBAY_DATA >
 * ./.patchbay), for commands that work on what the runner keeps (keys,
 * labels). Only `create` makes a new one: a typo in --data must not.
 */
export async function openRunnerStore(dataFlag: string | undefined, io: CliIO, options: { create?: boolean } = {}): Promise<Store> {
  const { resolveDataDir } = await import('@patchbay/core/node');
  const { openSqliteStore, RUNNER_DB_FILE } = await import('../store/index');
  const { Redactor } = await import('../http/secrets');
  const dataDir = resolveDataDir({ flag: dataFlag, env: io.env, cwd: io.cwd });
  if (!options.create && !existsSync(path.join(dataDir, RUNNER_DB_FILE))) throw new UsageError(`there is no runner store in ${dataDir} (start the runner there, or pass --data DIR)`);
  return openSqliteStore(dataDir, { redact: Redactor.fromEnv(io.env).redact });
}
