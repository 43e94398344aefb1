import { existsSync } from 'node:fs';
import path from 'node:path';
import type { PipelineDocument, RunResult } from '@patchbay/core';
import { Redactor } from '../http/secrets';
import { finishedRun, PROCESS_OWNER } from '../runs/run-manager';

/**
 * Records a run made by `patchbay run` (source `cli`) in the runner's store of
 * the data dir, so it is listed beside the API's runs. Only a store that
 * exists: running a file must not create a runner database.
 */
export async function recordCliRun(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  document: PipelineDocument,
  result: RunResult,
  ref: { version?: number; label?: string } = {},
): Promise<boolean> {
  const { openSqliteStore, RUNNER_DB_FILE } = await import('../store/index');
  if (!existsSync(path.join(dataDir, RUNNER_DB_FILE))) return false;
  // Masked as the runner masks what it stores: provider keys and the token never reach the file.
  const store = openSqliteStore(dataDir, { redact: Redactor.fromEnv(env).redact });
  try {
    store.runs.begin({ id: result.runId, pipeline: document.name, version: ref.version ?? null, document, inputs: result.inputs, startedAt: result.startedAt, owner: PROCESS_OWNER, source: 'cli', label: ref.label ?? null });
    store.runs.finish(finishedRun(result.runId, result, []));
    await store.runs.flush();
    return true;
  } finally {
    await store.close();
  }
}
