import { createHash } from 'node:crypto';
import { canonicalJson, type PipelineDocument } from '@patchbay/core';
import { shareableConfig, type RetrievalStore, type WorkspaceConfig } from '@patchbay/core/node';
import { artifactHash } from '../store/artifacts';
import { indexSnapshot } from './publish-index';
import { indexNamesOf, type WorkspacePins } from './workspace-pins';

/**
 * The workspace part of an eval's reuse key: the config it ran with and the content of each index the
 * document's retrieve nodes read (null: not there). An eval is evidence for a version only in the
 * workspace it ran in: another model pinned, provider, tool or index content may change every answer.
 */
export function workspaceKey(pins: WorkspacePins, document: PipelineDocument): string {
  const indexes = Object.fromEntries(indexNamesOf(document).sort().map((name) => [name, pins.indexes?.[name] ?? null]));
  return createHash('sha256').update(canonicalJson({ config: pins.config ?? null, indexes })).digest('hex');
}

/**
 * What the workspace of this process (a data dir's config and indexes, not a store's published one) pins a
 * document's evals to, hashed as a scaled-out server hashes what it publishes (workspace-publisher.ts): the
 * config as shared, each index by its snapshot's bytes. So a server that starts publishing the same
 * workspace keeps the key of what it evaluated before.
 */
export async function localPins(workspace: { config: WorkspaceConfig; dataDir: string; retrieval: RetrievalStore }, document: PipelineDocument): Promise<WorkspacePins> {
  const indexes: Record<string, string> = {};
  for (const name of indexNamesOf(document)) {
    const bytes = await indexSnapshot(workspace.retrieval, name);
    if (bytes) indexes[name] = artifactHash(bytes);
  }
  return { config: artifactHash(Buffer.from(canonicalJson(sharedForm(workspace.config, workspace.dataDir)), 'utf8')), indexes };
}

/** The config as it would be published; one that could not be (a literal secret in it, fine in one process) as it is, without its file's path. */
function sharedForm(config: WorkspaceConfig, dataDir: string): WorkspaceConfig {
  try {
    return shareableConfig(config, { dataDir });
  } catch {
    const { configPath: _file, ...rest } = config;
    return rest;
  }
}
