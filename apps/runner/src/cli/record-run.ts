import { existsSync } from 'node:fs';
import path from 'node:path';
import type { PipelineDocument, RunResult } from '@patchbay/core';
import { finishedRun, PROCESS_OWNER } from '../runs/run-manager';
import { liveRedact } from './workspace-services';

/** Records a run made by `patchbay run` in the runner's store it was opened on. */
export interface CliRunRecorder {
  record(document: PipelineDocument, result: RunResult, ref?: { version?: number; label?: string }): Promise<void>;
  close(): Promise<void>;
}

/**
 * The runner's store of the data dir, opened before `patchbay run` runs (a
 * damaged runner.sqlite stops it before anything ran), to record the run with
 * source `cli` beside the API's runs. Only a store that exists: running a file
 * must not create a runner database (undefined then).
 */
export async function openCliRunRecorder(dataDir: string, env: NodeJS.ProcessEnv): Promise<CliRunRecorder | undefined> {
  const { openSqliteStore, RUNNER_DB_FILE } = await import('../store/index');
  if (!existsSync(path.join(dataDir, RUNNER_DB_FILE))) return undefined;
  // Masked as the runner masks what it stores: provider keys (the config's apiKeyEnv names too) and the token never reach the file.
  const store = openSqliteStore(dataDir, { redact: liveRedact(env) });
  return {
    async record(document, result, ref = {}) {
      store.runs.begin({ id: result.runId, pipeline: document.name, version: ref.version ?? null, document, inputs: result.inputs, startedAt: result.startedAt, owner: PROCESS_OWNER, source: 'cli', label: ref.label ?? null });
      store.runs.finish(finishedRun(result.runId, result, []));
      await store.runs.flush();
    },
    close: () => store.close(),
  };
}
