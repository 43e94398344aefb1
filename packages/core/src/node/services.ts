import { existsSync } from 'node:fs';
import path from 'node:path';
import { missingServices } from '../engine/services';
import type { ModelService, Services } from '../engine/services';
import { lazyResponseCache } from './cache/lazy-response-cache';
import { CACHE_FILE_NAME, openResponseCache, type ResponseCache } from './cache/response-cache';
import { withResponseCache } from './cache/with-response-cache';
import { loadWorkspaceConfig, type WorkspaceConfig } from './config/workspace-config';
import { ReadOnlyDataFileError } from './data-file';
import { resolveDataDir } from './data-dir';
import { createModelService } from './providers/model-service';
import { createOfflineProvider } from './providers/offline';
import { createNetworkedProviders } from './providers/presets';
import { openRetrievalStore, RETRIEVAL_FILE_NAME, type RetrievalStore } from './retrieval/store';
import { createSandbox } from './tools/sandbox';
import { createTemplateRenderer } from './templates/template-renderer';
import { createToolService } from './tools/tool-service';

export interface CreateServicesOptions {
  /** The data dir; default from resolveDataDir() (`PATCHBAY_DATA`, else `./.patchbay`). */
  dataDir?: string;
  /** `--config FILE`; default `<dataDir>/patchbay.config.json` when present. */
  configPath?: string;
  /** A config already read (a scaled-out worker's, from the store): no file is read. */
  config?: WorkspaceConfig;
  /** `--no-cache`: every model call goes to its provider. */
  noCache?: boolean;
  /**
   * false: nothing is created up front, neither a data dir that does not exist nor, in one that
   * does, `cache.sqlite` or `retrieval.sqlite` (an empty data dir stays empty, so `serve` still
   * seeds the demo there): without `retrieval.sqlite` the workspace has no indexes, and the
   * response cache creates its file (and the dir, calling `onCreateDataDir`) on its first write.
   * For commands that mostly read.
   */
  createDataDir?: boolean;
  /** Called when the response cache's first write made the data dir (with createDataDir false). */
  onCreateDataDir?: (dataDir: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Masks secret values in JSON text before it is stored (the response cache); the runner's and the CLI's redactor. */
  redact?: (json: string) => string;
  /**
   * The response cache to use instead of `<dataDir>/cache.sqlite` (scaled out, the
   * store's: every process shares it). Whoever passes it closes it.
   */
  responseCache?: ResponseCache;
  /**
   * The caller brings the indexes its runs search (a scaled-out job's index artifacts): no
   * `<dataDir>/retrieval.sqlite` is opened or made; `retrieval` is an empty store in memory.
   */
  noIndexes?: boolean;
}

export type WorkspaceServices = Services & {
  config: WorkspaceConfig;
  /** Absolute data dir the services read and write. */
  dataDir: string;
  /** The retrieval store itself, for `patchbay index` / `search` and the HTTP API. */
  retrieval: RetrievalStore;
  /** The same providers without the response cache: for calls that must really be made again (an eval's repeats). */
  uncachedModels: ModelService;
  close(): Promise<void>;
};

/**
 * Everything a run needs in one workspace: models (offline + every networked
 * provider, created lazily, behind the response cache), retrieval indexes,
 * tools and the code sandbox. Throws WorkspaceConfigError on a bad config file.
 * Call close() when done (it closes SQLite files and MCP connections).
 */
export async function createServices(options: CreateServicesOptions = {}): Promise<WorkspaceServices> {
  const env = options.env ?? process.env;
  const dataDir = resolveDataDir({ flag: options.dataDir, env });
  const readsOnly = options.createDataDir === false;
  const absent = readsOnly && !existsSync(dataDir);
  // A command that reads makes no file of its own: an empty data dir stays empty (serve seeds only those).
  const noCacheFile = readsOnly && !existsSync(path.join(dataDir, CACHE_FILE_NAME));
  const noIndexFile = readsOnly && !existsSync(path.join(dataDir, RETRIEVAL_FILE_NAME));
  const config = options.config ?? loadWorkspaceConfig({ dataDir, configPath: options.configPath });

  const sandbox = createSandbox();
  const templates = createTemplateRenderer();
  // Tools first: a bad tools section throws before any SQLite file is opened.
  const tools = createToolService({ config, sandbox, dataDir, env });
  const providers = createModelService({
    ...createNetworkedProviders(config, env),
    offline: createOfflineProvider({ scripted: config.scripted }),
  });
  let cache: ResponseCache | undefined;
  let ownCache = false;
  let models: ModelService;
  let retrieval: RetrievalStore;
  try {
    if (!options.noCache && config.cache?.enabled !== false) {
      const redact = options.redact;
      ownCache = !options.responseCache;
      cache =
        options.responseCache ??
        (noCacheFile ? lazyResponseCache(dataDir, absent ? options.onCreateDataDir : undefined, { redact }) : openUnlessReadOnly(() => openResponseCache(dataDir, { redact })));
    }
    models = cache
      ? withResponseCache(providers, cache, { enabled: true, anyTemperature: config.cache?.anyTemperature })
      : providers;
    retrieval = openRetrievalStore({ dataDir, models, inMemory: noIndexFile || options.noIndexes === true });
  } catch (err) {
    if (ownCache) await cache?.close();
    await tools.close();
    await sandbox.close();
    await templates.close();
    throw err;
  }
  let closed = false;
  return {
    models,
    uncachedModels: providers,
    retrieval,
    tools,
    sandbox,
    templates,
    // The runner puts its pipeline store here; a bare workspace has none.
    pipelines: missingServices().pipelines,
    config,
    dataDir,
    async close() {
      if (closed) return;
      closed = true;
      await tools.close();
      await sandbox.close();
      await templates.close();
      retrieval.close();
      if (ownCache) await cache?.close();
    },
  };
}

/** A data dir this process may not write has no response cache: replies are not stored, every call goes to its provider. */
function openUnlessReadOnly(open: () => ResponseCache): ResponseCache | undefined {
  try {
    return open();
  } catch (err) {
    if (err instanceof ReadOnlyDataFileError) return undefined;
    throw err;
  }
}
