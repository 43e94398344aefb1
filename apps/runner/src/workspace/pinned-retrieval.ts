import type { Document, ModelService, RetrievalService } from '@patchbay/core';
import { RetrievalInputError } from '@patchbay/core/node';
import type { ArtifactStore } from '../store/artifacts';
import type { IndexArtifactCache } from './index-artifact-cache';

/**
 * A scaled-out job's retrieval (#16.5): each index is the artifact its job was
 * pinned to, or, for an index the job did not pin (one a nested pipeline
 * reads), the one its name points at on first use, kept for the rest of the job.
 */
export class PinnedRetrieval implements RetrievalService {
  private readonly resolved = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly pins: Record<string, string>,
    private readonly deps: { artifacts: ArtifactStore; cache: IndexArtifactCache; models: ModelService; modelsKey: string },
  ) {}

  async search(index: string, query: string, options: Parameters<RetrievalService['search']>[2]): Promise<Document[]> {
    const hash = await this.hashOf(index);
    if (!hash) {
      const names = (await this.deps.artifacts.names('index')).map((n) => n.name);
      throw new RetrievalInputError(`unknown index "${index}"; indexes: ${names.length ? names.join(', ') : '(none)'}`);
    }
    const store = await this.deps.cache.open(hash, this.deps.models, this.deps.modelsKey);
    return store.search(index, query, options);
  }

  private hashOf(index: string): Promise<string | undefined> {
    const pinned = this.pins[index];
    if (pinned) return Promise.resolve(pinned);
    let hash = this.resolved.get(index);
    if (!hash) this.resolved.set(index, (hash = this.deps.artifacts.current('index', index)));
    return hash;
  }
}
