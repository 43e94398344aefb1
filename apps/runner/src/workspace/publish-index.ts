import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RetrievalStore } from '@patchbay/core/node';
import type { ArtifactStore } from '../store/artifacts';

export type PublishedIndex = { hash: string; created: boolean; bytes: number } | null;

/**
 * Snapshots one index of a data dir into an artifact of the store and points its name at it, so
 * jobs enqueued from now on are pinned to these contents. An index that is gone is unnamed (null).
 * Used by `serve --queue` (at start and after each ingest) and by `patchbay index --store`.
 */
export async function publishIndex(artifacts: ArtifactStore, retrieval: RetrievalStore, name: string): Promise<PublishedIndex> {
  const bytes = await indexSnapshot(retrieval, name);
  if (!bytes) {
    await artifacts.unname('index', name);
    return null;
  }
  const { hash, created } = await artifacts.publish('index', name, bytes);
  return { hash, created, bytes: bytes.length };
}

/** The bytes of one index's artifact (equal contents, equal bytes); undefined when there is no such index. */
export async function indexSnapshot(retrieval: RetrievalStore, name: string): Promise<Buffer | undefined> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'patchbay-index-'));
  try {
    const file = path.join(dir, 'index.sqlite');
    if (!(await retrieval.snapshot(name, file))) return undefined;
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
