import path from 'node:path';
import type { PipelineResolver } from '@patchbay/core';
import { createServices, maxOutputBytes, parseWorkspaceConfig, type ResponseCache, type WorkspaceConfig, type WorkspaceServices } from '@patchbay/core/node';
import type { EvalSessionServices } from '@patchbay/evals';
import { artifactHash, type ArtifactStore } from '../store/artifacts';
import { IndexArtifactCache } from './index-artifact-cache';
import { PinnedRetrieval } from './pinned-retrieval';
import { WORKSPACE_CONFIG, type WorkspacePins } from './workspace-pins';

/** What a job runs with: services of its pinned config and indexes. */
export interface ResolvedWorkspace {
  services: EvalSessionServices;
  /** The pinned workspace config (what `services` were built from). */
  config: WorkspaceConfig;
  maxOutputBytes: number;
}

export interface WorkspaceResolverOptions {
  artifacts: ArtifactStore;
  /** Where this process caches: index artifacts under `artifacts/`, and the response cache when the store holds none. */
  cacheDir: string;
  /** This process's own environment: provider keys and what `${NAME}` in the config names. */
  env: NodeJS.ProcessEnv;
  redact: (json: string) => string;
  /** The store's shared response cache (PostgreSQL); else each config's services keep one in the cache dir. */
  responseCache?: ResponseCache;
  pipelines: PipelineResolver;
  log: (line: string) => void;
  /** Called with each config read from the store before its services are built (the worker masks the key variables it names). */
  onConfig?: (config: WorkspaceConfig) => void;
  /** The services of the config this process published itself (`serve --work`): not built twice. */
  own?: { hash: string; services: WorkspaceServices };
}

/**
 * The workspace of a scaled-out job (#16.5): the workspace config is read
 * from the store by the hash the job carries (services built once per config
 * and kept), and its indexes are artifacts fetched into the local cache dir.
 * A process needs no data dir and no config file of its own for this.
 */
export class WorkspaceResolver {
  private readonly configs = new Map<string, Promise<WorkspaceServices>>();
  private readonly cache: IndexArtifactCache;

  constructor(private readonly options: WorkspaceResolverOptions) {
    this.cache = new IndexArtifactCache({ dir: path.join(options.cacheDir, 'artifacts'), artifacts: options.artifacts, log: options.log });
    if (options.own) this.configs.set(options.own.hash, Promise.resolve(options.own.services));
  }

  /** The services for a job's pins; without pins (a job of an older server), the config published now. */
  async resolve(pins?: WorkspacePins): Promise<ResolvedWorkspace> {
    const hash = pins?.config ?? (await this.options.artifacts.current('config', WORKSPACE_CONFIG)) ?? '';
    const base = await this.servicesOf(hash);
    const retrieval = new PinnedRetrieval(pins?.indexes ?? {}, { artifacts: this.options.artifacts, cache: this.cache, models: base.models, modelsKey: hash });
    return { services: { ...base, retrieval }, config: base.config, maxOutputBytes: maxOutputBytes(base.config) };
  }

  private servicesOf(hash: string): Promise<WorkspaceServices> {
    let services = this.configs.get(hash);
    if (!services) {
      services = this.build(hash);
      services.catch(() => this.configs.delete(hash)); // the store may be back for the next job
      this.configs.set(hash, services);
    }
    return services;
  }

  private async build(hash: string): Promise<WorkspaceServices> {
    let config: WorkspaceConfig = {};
    if (hash) {
      const bytes = await this.options.artifacts.get(hash);
      if (!bytes) throw new Error(`workspace config ${hash} is not in the store`);
      if (artifactHash(bytes) !== hash) throw new Error(`workspace config ${hash} does not match its hash; not used`);
      config = parseWorkspaceConfig(JSON.parse(bytes.toString('utf8')), `workspace config ${hash.slice(0, 12)} from the store`);
    }
    this.options.onConfig?.(config);
    const { cacheDir, env, redact, responseCache } = this.options;
    // Its jobs search index artifacts (PinnedRetrieval): the cache dir gets no retrieval.sqlite nothing is indexed into.
    const services = await createServices({ config, dataDir: cacheDir, env, redact, responseCache, noIndexes: true });
    services.pipelines = this.options.pipelines;
    return services;
  }

  async close(): Promise<void> {
    this.cache.close();
    const own = this.options.own?.services;
    const built = await Promise.allSettled([...this.configs.values()]);
    for (const s of built) if (s.status === 'fulfilled' && s.value !== own) await s.value.close();
    this.configs.clear();
  }
}
