import path from 'node:path';
import type { WorkspaceConfig, WorkspaceServices } from '@patchbay/core/node';
import { UsageError, type CliIO } from './command';
import { urlCredentials } from '@patchbay/core/credentials';
import { Redactor } from '../http/secrets';
import { awaitKeywordUpgrade } from './keyword-upgrade-wait';

/**
 * Variables the opened workspace config names as secrets (`apiKeyEnv`, an MCP server's `${NAME}`). A CLI
 * process opens one workspace, after its output is already wrapped: the redactor reads this set when it masks.
 */
const configSecretNames = new Set<string>();
/** The secret values the opened config holds or makes (its base URLs' credentials, its literal credentials), and those of a --store URL. */
const configSecretValues: Array<{ name: string; value: string }> = [];

/** The CLI's redactor: every `*_API_KEY` and PATCHBAY_TOKEN of the environment, and the secrets the opened config adds (what the runner masks). */
export function workspaceRedactor(env: NodeJS.ProcessEnv): Redactor {
  return Redactor.fromEnv(env, [...configSecretNames], [...(env.PATCHBAY_TOKEN ? [env.PATCHBAY_TOKEN] : []), ...configSecretValues]);
}

/** Masks with what is known when the text is written (the config's names once a workspace is open). */
export function liveRedact(env: NodeJS.ProcessEnv): (text: string) => string {
  let size = -1;
  let redactor: Redactor | undefined;
  return (text) => {
    if (size !== configSecretNames.size + configSecretValues.length) {
      redactor = workspaceRedactor(env);
      size = configSecretNames.size + configSecretValues.length;
    }
    return redactor!.redact(text);
  };
}

/** From now on, masks the values of the variables `config` names as secrets, and the credentials it holds (configSecrets), in everything the CLI writes. */
export async function maskConfigSecrets(config: WorkspaceConfig, env: NodeJS.ProcessEnv): Promise<void> {
  const { configSecrets, listProviders, configSecretVariables } = await import('@patchbay/core/node');
  for (const p of listProviders(config, env)) if (p.keyVariable) configSecretNames.add(p.keyVariable);
  for (const name of configSecretVariables(config)) configSecretNames.add(name);
  for (const secret of configSecrets(config, env)) if (!configSecretValues.some((s) => s.value === secret.value)) configSecretValues.push(secret);
}

/** From now on, masks the credentials of a URL the command was given as a flag (`--store postgres://user:password@…`), as PATCHBAY_STORE's are. */
export function maskURLCredentials(name: string, url: string): void {
  for (const secret of urlCredentials(name, url)) if (!configSecretValues.some((s) => s.value === secret.value)) configSecretValues.push(secret);
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
  let services: WorkspaceServices;
  try {
    services = await createServices({
      dataDir: resolveDataDir({ flag: flags.data, env: io.env, cwd: io.cwd }),
      configPath: flags.config === undefined ? undefined : path.resolve(io.cwd, flags.config),
      noCache: flags['no-cache'] === true || options.noCache === true,
      createDataDir: options.createDataDir,
      onCreateDataDir: (dir) => io.stderr.write(`created the data dir ${dir} for the response cache\n`),
      env: io.env,
      redact: liveRedact(io.env),
    });
  } catch (err) {
    if (err instanceof WorkspaceConfigError) throw new UsageError(err.message);
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
  await maskConfigSecrets(services.config, io.env);
  await awaitKeywordUpgrade(services.retrieval, services.dataDir, io);
  return services;
}
