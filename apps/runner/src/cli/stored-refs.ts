import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseDocument, pipelineRefs, type PipelineDocument, type PipelineResolver } from '@patchbay/core';
import { UsageError, type CliIO } from './command';
import { sharedStoreNote } from './shared-store-note';

export interface StoredRefs {
  /** Resolves `pipeline`/`map` references against the runner's store of the data dir; undefined when the document makes none. */
  resolver?: PipelineResolver;
  /** The parsed document whose references the resolver answers. */
  document?: PipelineDocument;
  dataDir?: string;
  close(): Promise<void>;
}

/**
 * A pipeline whose `pipeline` or `map` nodes call stored pipelines finds them where the runner
 * keeps them: the runner's store in the data dir (`--data` > PATCHBAY_DATA > ./.patchbay), opened
 * for reading only (nothing migrated or written; `readOnly` false for `patchbay run`, which
 * records the run there anyway), never created. A document that calls none opens nothing.
 */
export async function openStoredRefs(document: unknown, what: string, dataFlag: string | undefined, io: CliIO, readOnly = true): Promise<StoredRefs> {
  const parsed = parseDocument(document);
  const refs = parsed.ok ? pipelineRefs(parsed.document) : [];
  if (!parsed.ok || refs.length === 0) return { close: async () => {} };
  const { resolveDataDir } = await import('@patchbay/core/node');
  const { openSqliteStore, openSqliteStoreForReading, RUNNER_DB_FILE } = await import('../store/index');
  const { storeResolverOf } = await import('../pipelines/pipeline-resolver');
  const dataDir = resolveDataDir({ flag: dataFlag, env: io.env, cwd: io.cwd });
  if (!existsSync(path.join(dataDir, RUNNER_DB_FILE))) {
    const named = [...new Set(refs)].join(', ');
    const note = sharedStoreNote(io.env, 'run it on a server of that store instead (POST /api/runs with {"document": …, "inputs": …})');
    throw new UsageError(`${what} calls stored pipelines (${named}), and there is no runner store in ${dataDir} to find them in (pass --data DIR to use another workspace${note})`);
  }
  const store = readOnly ? openSqliteStoreForReading(dataDir) : openSqliteStore(dataDir);
  return { resolver: storeResolverOf(store), document: parsed.document, dataDir, close: () => store.close() };
}
