import type { ModelService } from '@patchbay/core';
import { RetrievalInputError, type RetrievalStore } from '@patchbay/core/node';
import type { IndexInfo, IndexService } from '../routes/route-module';
import type { ArtifactStore } from '../store/artifacts';
import { IndexArtifactCache } from './index-artifact-cache';

export interface SharedIndexesOptions {
  /** This server's data dir indexes: ingests go here (then to the store). */
  local: RetrievalStore;
  artifacts: ArtifactStore;
  /** Where indexes built on other servers are fetched to and opened read-only (the data dir's `artifacts/`). */
  cacheDir: string;
  /** Embed vector queries of a fetched index. */
  models: ModelService;
  /** Publishes an index to the store after an ingest, before the ingest is answered. */
  publish(index: string): Promise<void>;
  log: (line: string) => void;
}

/**
 * A scaled-out server's retrieval indexes as the index routes see them: its
 * own (data dir), and the ones other servers built and published to the store,
 * which it lists and searches from their current artifact. So a client behind
 * a load balancer sees the same indexes on every server. Ingests stay local (an
 * index is built on one server: docs/scaling.md).
 */
export class SharedIndexes implements IndexService {
  private readonly cache: IndexArtifactCache;

  constructor(private readonly options: SharedIndexesOptions) {
    this.cache = new IndexArtifactCache({ dir: options.cacheDir, artifacts: options.artifacts, log: options.log });
  }

  async listIndexes(): Promise<IndexInfo[]> {
    const own = this.options.local.listIndexes();
    const known = new Set(own.map((i) => i.name));
    const elsewhere = (await this.options.artifacts.names('index')).filter((n) => !known.has(n.name));
    const found = await Promise.all(
      elsewhere.map(async ({ name, hash }) => {
        try {
          // An artifact holds one index and no name of its own (snapshot.ts): it is listed under the name pointing at it.
          const [info] = (await this.open(hash)).listIndexes();
          return info && { ...info, name };
        } catch (err) {
          this.options.log(`index "${name}" (${hash.slice(0, 12)}) is in the store but could not be read here: ${(err as Error).message}`);
          return undefined;
        }
      }),
    );
    return [...own, ...found.filter((i): i is IndexInfo => i !== undefined)].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  ingest: IndexService['ingest'] = (index, items, options) => this.options.local.ingest(index, items, options);

  published(index: string): Promise<void> {
    return this.options.publish(index);
  }

  search: IndexService['search'] = async (index, query, options) => {
    try {
      return await this.options.local.search(index, query, options);
    } catch (err) {
      if (!(err instanceof RetrievalInputError && err.message.startsWith('unknown index'))) throw err;
    }
    const hash = await this.options.artifacts.current('index', index);
    if (!hash) {
      const names = (await this.listIndexes()).map((i) => i.name);
      throw new RetrievalInputError(`unknown index "${index}"; indexes: ${names.length ? names.join(', ') : '(none)'}`);
    }
    return (await this.open(hash)).search(index, query, options);
  };

  /** Closes the indexes it fetched (the data dir's own stay with their store). */
  close(): void {
    this.cache.close();
  }

  private open(hash: string): Promise<RetrievalStore> {
    return this.cache.open(hash, this.options.models, 'server');
  }
}
