import path from 'node:path';
import type { WorkspaceServices } from '@patchbay/core/node';
import { UsageError, type CliIO } from './command';
import { Redactor } from '../http/secrets';

/** The CLI's redactor: every `*_API_KEY` and PATCHBAY_TOKEN of the environment (what the runner masks, less config-only names). */
export function workspaceRedactor(env: NodeJS.ProcessEnv): Redactor {
  return Redactor.fromEnv(env, [], env.PATCHBAY_TOKEN ? [env.PATCHBAY_TOKEN] : []);
}

/** The flags every workspace command shares: `--data`, `--config`, `--no-cache`. */
export interface WorkspaceFlags {
  data?: string;
  config?: string;
  'no-cache'?: boolean;
}

/**
 * Opens the services of the workspace a command works in (data dir: `--data` >
 * PATCHBAY_DATA > ./.patchbay). A bad workspace config is a usage error that
 * lists every problem, one line each.
 */
export async function openWorkspaceServices(
  flags: WorkspaceFlags,
  io: CliIO,
  options: { noCache?: boolean; createDataDir?: boolean } = {},
): Promise<WorkspaceServices> {
  // Loaded here so commands that never touch SQLite or the providers do not pay for them.
  const { createServices, resolveDataDir, WorkspaceConfigError } = await import('@patchbay/core/node');
  try {
    return await createServices({
      dataDir: resolveDataDir({ flag: flags.data, env: io.env, cwd: io.cwd }),
      configPath: flags.config === undefined ? undefined : path.resolve(io.cwd, flags.config),
      noCache: flags['no-cache'] === true || options.noCache === true,
      createDataDir: options.createDataDir,
      onCreateDataDir: (dir) => io.stderr.write(`created the data dir ${dir} for the response cache\n`),
      env: io.env,
      redact: workspaceRedactor(io.env).redact,
    });
  } catch (err) {
    if (err instanceof WorkspaceConfigError) throw new UsageError(err.message);
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}
