import type { PipelineDocument } from '@patchbay/core';

/**
 * What a scaled-out job runs with besides its pipeline (#16.5): the workspace
 * config and the retrieval indexes, each by the content hash of its artifact
 * in the store. Resolved when the job is enqueued (a run) or its eval starts
 * (every case of one eval), so a config published or an index re-indexed
 * after that does not change what the job sees.
 */
export interface WorkspacePins {
  /** The hash of the workspace config artifact. */
  config?: string;
  /**
   * Index name → the hash of its artifact, for the `retrieve` nodes of the job's own document (and, for an
   * eval, of the stored pipelines it calls as they resolved when it started).
   */
  indexes?: Record<string, string>;
}

/** The artifact name of the workspace config (kind `config`). */
export const WORKSPACE_CONFIG = 'workspace';

/**
 * The indexes the `retrieve` nodes of a document read, and those of the stored pipelines it calls when they
 * are given (`called`, as they resolve: storedCalls); a run's nested pipelines resolve theirs on first use.
 */
export function indexNamesOf(document: PipelineDocument, called: readonly PipelineDocument[] = []): string[] {
  const names = new Set<string>();
  for (const doc of [document, ...called]) {
    for (const node of doc.nodes) {
      const index = node.type === 'retrieve' ? (node.config as { index?: unknown }).index : undefined;
      if (typeof index === 'string') names.add(index);
    }
  }
  return [...names];
}
