import { createHash } from 'node:crypto';
import { behaviorHash, canonicalJson, pipelineRefs, resolvePipelines, type PipelineDocument, type PipelineResolver } from '@patchbay/core';
import { maskedSharedConfig, type RetrievalStore, type WorkspaceConfig } from '@patchbay/core/node';
import { artifactHash } from '../store/artifacts';
import { indexSnapshot } from './publish-index';
import { indexNamesOf, type WorkspacePins } from './workspace-pins';

/** The stored pipelines a document calls, at any depth, as they resolve now (storedCalls). */
export interface StoredCalls {
  /** ref → `name@vN:behaviorHash`, or `unresolved: …`. */
  calls: Record<string, string>;
  /** The documents the references resolved to: their `retrieve` nodes' indexes are part of the workspace. */
  documents: PipelineDocument[];
}

const NO_CALLS: StoredCalls = { calls: {}, documents: [] };

/**
 * The workspace part of an eval's reuse key: the config it ran with, the content of each index the
 * document's retrieve nodes and those of the stored pipelines it calls read (null: not there) and what
 * those calls resolved to (storedCalls). An eval is evidence for a version only in the workspace it ran
 * in: another model pinned, provider, tool, index content or called version may change every answer.
 */
export function workspaceKey(pins: WorkspacePins, document: PipelineDocument, stored: StoredCalls = NO_CALLS): string {
  const indexes = Object.fromEntries(indexNamesOf(document, stored.documents).sort().map((name) => [name, pins.indexes?.[name] ?? null]));
  const { calls } = stored;
  const key = { config: pins.config ?? null, indexes, ...(Object.keys(calls).length > 0 ? { calls } : {}) };
  return createHash('sha256').update(canonicalJson(key)).digest('hex');
}

/**
 * What the stored pipelines a document calls (pipeline and map nodes, at any depth) resolve to now: ref →
 * `name@vN:behaviorHash`, and the documents. The document's own hash covers only the reference, so
 * `NAME@LABEL` or `NAME` calls another version once the label moves or a version is saved, and the
 * document behaves otherwise.
 */
export async function storedCalls(document: PipelineDocument, resolver: PipelineResolver | undefined): Promise<StoredCalls> {
  if (pipelineRefs(document).length === 0) return NO_CALLS;
  const calls: Record<string, string> = {};
  const documents: PipelineDocument[] = [];
  for (const [ref, entry] of (await resolvePipelines(document, resolver)).entries) {
    if ('error' in entry) {
      calls[ref] = `unresolved: ${entry.error}`;
      continue;
    }
    calls[ref] = `${entry.name}@v${entry.version}:${behaviorHash(entry.document)}`;
    documents.push(entry.document);
  }
  return { calls, documents };
}

/**
 * What the workspace of this process (a data dir's config and indexes, not a store's published one) pins a
 * document's evals to, hashed as a scaled-out server hashes what it publishes (workspace-publisher.ts): the
 * config as shared, each index by its snapshot's bytes. So a server that starts publishing the same
 * workspace keeps the key of what it evaluated before.
 */
export async function localPins(
  workspace: { config: WorkspaceConfig; dataDir: string; retrieval: RetrievalStore },
  document: PipelineDocument,
  called: readonly PipelineDocument[] = [],
): Promise<WorkspacePins> {
  const indexes: Record<string, string> = {};
  for (const name of indexNamesOf(document, called)) {
    const bytes = await indexSnapshot(workspace.retrieval, name);
    if (bytes) indexes[name] = artifactHash(bytes);
  }
  // As published; one that could not be (a literal secret in it, fine in one process) with its literals masked, not as it is.
  return { config: artifactHash(Buffer.from(canonicalJson(maskedSharedConfig(workspace.config, workspace.dataDir)), 'utf8')), indexes };
}
