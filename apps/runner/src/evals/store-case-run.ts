import type { PipelineDocument, RunResult } from '@patchbay/core';
import { finishedRun, PROCESS_OWNER } from '../runs/run-manager';
import type { CaseRun } from '../store/evals';
import type { RunStore } from '../store/runs';

/**
 * An eval case's run, stored as an ordinary run of the document it ran
 * (inline, so it is not listed among the pipeline's own runs), which the
 * editor's run view opens by the case record's `runId`.
 */
export function storeCaseRun(runs: RunStore, result: RunResult, document: PipelineDocument): void {
  const run = caseRun(result, document);
  runs.begin(run.start);
  runs.finish(run.finish);
}

/** The same run as the rows a worker stores with the case's record (EvalStore.appendCase). */
export function caseRun(result: RunResult, document: PipelineDocument): CaseRun {
  return {
    start: { id: result.runId, pipeline: null, version: null, document, inputs: result.inputs, startedAt: result.startedAt, owner: PROCESS_OWNER, source: 'eval' },
    finish: finishedRun(result.runId, result, []),
  };
}
