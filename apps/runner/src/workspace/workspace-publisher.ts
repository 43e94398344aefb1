import { canonicalJson, type PipelineDocument } from '@patchbay/core';
import { shareableConfig, type RetrievalStore, type WorkspaceConfig } from '@patchbay/core/node';
import type { ArtifactStore } from '../store/artifacts';
import { publishIndex } from './publish-index';
import { indexNamesOf, WORKSPACE_CONFIG, type WorkspacePins } from './workspace-pins';

export interface WorkspacePublisherOptions {
  artifacts: ArtifactStore;
  /** This server's data dir indexes: published as artifacts. */
  retrieval: RetrievalStore;
  config: WorkspaceConfig;
  dataDir: string;
  /** Secret values of this process: a config holding one is refused. */
  secrets: Array<{ name: string; value: string }>;
  log: (line: string) => void;
}

/**
 * A scaled-out server's side of #16.5: publishes its workspace config and its
 * data dir's retrieval indexes to the store as artifacts (at start, and an
 * index again after each ingest through the API), and pins a job to what is
 * published when it is enqueued. Throws WorkspaceConfigError at start when the
 * config holds a secret (only environment variable names may be shared).
 */
export class WorkspacePublisher {
  private configHash = '';
  /** Publishes of one index, one after another: the last ingest's contents are the last published. */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly options: WorkspacePublisherOptions) {}

  /** The hash of the published config (after start). */
  get config(): string {
    return this.configHash;
  }

  async start(): Promise<void> {
    const shared = shareableConfig(this.options.config, { dataDir: this.options.dataDir, secrets: this.options.secrets });
    const { hash, created } = await this.options.artifacts.publish('config', WORKSPACE_CONFIG, Buffer.from(canonicalJson(shared), 'utf8'));
    this.configHash = hash;
    if (created) this.options.log(`published the workspace config ${hash.slice(0, 12)} to the store`);
    for (const { name } of this.options.retrieval.listIndexes()) await this.publishIndex(name);
  }

  /** Snapshots one index into an artifact and points its name at it. */
  publishIndex(name: string): Promise<void> {
    const next = (this.chains.get(name) ?? Promise.resolve()).catch(() => {}).then(() => this.snapshot(name));
    this.chains.set(name, next);
    void next.finally(() => this.chains.get(name) === next && this.chains.delete(name)).catch(() => {});
    return next;
  }

  private async snapshot(name: string): Promise<void> {
    const published = await publishIndex(this.options.artifacts, this.options.retrieval, name);
    if (published) this.options.log(`published index "${name}" as ${published.hash.slice(0, 12)} (${published.created ? `${published.bytes} bytes` : 'contents already stored'})`);
  }

  /** What a job of `document` runs with: the config published now and the indexes its retrieve nodes (and `called`'s) name. */
  async pins(document: PipelineDocument, called: readonly PipelineDocument[] = []): Promise<WorkspacePins> {
    const names = indexNamesOf(document, called);
    if (names.length === 0) return { config: this.configHash };
    return { config: this.configHash, indexes: Object.fromEntries(await this.options.artifacts.currentOf('index', names)) };
  }
}
