import { missingServices, type Services } from '../engine/services';
import { loadWorkspaceConfig, type WorkspaceConfig } from './config/workspace-config';
import { resolveDataDir } from './data-dir';

export interface CreateServicesOptions {
  /** Absolute or relative data dir; default from resolveDataDir(). */
  dataDir?: string;
  /** `--config FILE`; default `<dataDir>/patchbay.config.json` when present. */
  configPath?: string;
  /** `--no-cache`: skip the response cache entirely. */
  noCache?: boolean;
  env?: NodeJS.ProcessEnv;
}

export type WorkspaceServices = Services & { config: WorkspaceConfig; dataDir: string; close(): Promise<void> };

/** FIRST VERSION: config only; models, retrieval, tools and sandbox are wired in as their modules land. */
export async function createServices(options: CreateServicesOptions = {}): Promise<WorkspaceServices> {
  const env = options.env ?? process.env;
  const dataDir = resolveDataDir({ flag: options.dataDir, env });
  const config = loadWorkspaceConfig({ dataDir, configPath: options.configPath });
  return { ...missingServices(), config, dataDir, close: async () => {} };
}
