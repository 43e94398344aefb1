import { summarizeSliced, toScoreRow, type CaseRecord, type EvalHead } from '@patchbay/evals';
import type { StoredEval } from '../store/evals';

/** An eval as listed: what ran, how it stands, its summary once there is one. */
export function evalListItem(e: StoredEval) {
  return {
    id: e.id,
    pipeline: e.pipeline,
    version: e.version,
    dataset: e.dataset,
    suite: e.spec.suite,
    scorers: e.spec.scorers.map((s) => s.name),
    status: e.status,
    progress: e.progress,
    summary: e.head?.summary ?? null,
    baseline: e.baseline,
    error: e.error,
    createdAt: e.createdAt,
    finishedAt: e.finishedAt,
  };
}

export type EvalListItem = ReturnType<typeof evalListItem>;

/**
 * The result JSON of issue 6 (as `patchbay eval --out` writes it) with the
 * eval's id, status and progress. Until an eval succeeds its summary is
 * worked out from the cases finished so far: sliced, as its bootstrap over
 * 100,000 cases would hold the runner for seconds.
 */
export async function evalResultView(e: StoredEval, cases: CaseRecord[]) {
  const head: EvalHead = e.head ?? {
    format: 'patchbay.eval-result/v1',
    suite: e.spec.suite,
    pipeline: { name: e.pipeline, behaviorHash: e.spec.behaviorHash, ...(e.version !== null ? { version: e.version } : {}) },
    dataset: { hash: e.dataset.hash, cases: e.dataset.cases },
    repeat: e.spec.repeat,
    seed: e.spec.seed,
    startedAt: e.createdAt,
    finishedAt: e.finishedAt ?? '',
    summary: await summarizeSliced(cases.map(toScoreRow), e.spec.scorers.map((s) => s.name), { seed: e.spec.seed, repeat: e.spec.repeat }),
  };
  const { comparison, gates, ...rest } = head;
  return {
    id: e.id,
    status: e.status,
    progress: e.progress,
    ...(e.error ? { error: e.error } : {}),
    baseline: e.baseline,
    createdAt: e.createdAt,
    ...rest,
    finishedAt: e.finishedAt,
    dataset: { ...rest.dataset, name: e.dataset.name },
    scorers: e.spec.scorers,
    cases,
    ...(comparison ? { comparison } : {}),
    ...(gates ? { gates } : {}),
  };
}
