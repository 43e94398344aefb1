import { behaviorHash, cannotMessage, parseDocument, pipelineRefs, resolvePipelines, validatePipeline, type PipelineDocument, type PipelineResolver, type Problem, type Services } from '@patchbay/core';
import type { CaseQueue } from '../case-queue';
import type { CaseRunnerSpec } from '../case-runner';
import type { DatasetInfo } from '../dataset';
import { checkEvalModels } from '../eval-models';
import { prepareEval, runEval, type EvalHead, type EvalProgress } from '../eval-runner';
import type { CaseLog, RunIdentity } from '../result-file';
import type { CaseRecord } from '../result-types';
import { toScoreRow, type ScoreRow } from '../score-rows';
import type { EvalSuite, Gate } from '../suite';
import { EvalInputError } from './input-error';

/**
 * One eval, as `patchbay eval` and `POST /api/evals` both run it: the same
 * checks before a case runs, the same cache policy, the same baseline rows,
 * the same runner. Start and resume differ only in the case log handed to
 * `runEvalSession`: one that holds finished cases (`resumed`) continues.
 */
export interface EvalSessionSpec {
  /** The pipeline document as read (a file, a stored version): the session validates it. */
  pipeline: unknown;
  pipelineVersion?: number;
  /** Names the pipeline in "… cannot be evaluated" (a file name, `version 3 of "qa"`). */
  subject?: string;
  suite: EvalSuite;
  /** Overrides of the suite's. */
  repeat?: number;
  concurrency?: number;
  gate?: Gate;
  /** Go past the model response cache even for one attempt per case (`--no-cache`). */
  noCache?: boolean;
}

/** The workspace's services; `uncachedModels` reaches the providers past the response cache. */
export type EvalSessionServices = Services & { uncachedModels?: Services['models'] };

/** A pipeline with problems: it is stored with them, but it cannot be evaluated. */
export class EvalPipelineError extends EvalInputError {
  override name = 'EvalPipelineError';
  constructor(
    subject: string,
    readonly problems: Problem[],
  ) {
    super(cannotMessage(subject, 'be evaluated', problems));
  }
}

/** Everything checked, nothing run yet. */
export interface PreparedEvalSession {
  readonly spec: EvalSessionSpec;
  /** The validated document. */
  readonly pipeline: PipelineDocument;
  readonly repeat: number;
  /** Cases × repeat. */
  readonly total: number;
  readonly dataset: DatasetInfo;
  /** What a resumed run must match (the partial file's header, a stored eval's spec). */
  readonly identity: RunIdentity;
  /**
   * Whether model calls may come from the response cache: only for one attempt
   * per case without `noCache`. With repeats every attempt must be a real call,
   * or each would be the first one's reply.
   */
  readonly cached: boolean;
}

/**
 * Checks an eval before any case runs, and throws an EvalInputError subclass
 * for the first thing that does not fit: the pipeline's problems
 * (EvalPipelineError), a model the workspace cannot call
 * (ModelUnavailableError, when `modelUnavailable` is given), a scorer target
 * (TargetError), the dataset or a case's inputs (DatasetError).
 */
export async function prepareEvalSession(
  spec: EvalSessionSpec,
  checks: {
    modelUnavailable?: (model: string) => string | null;
    /** Resolves `pipeline` / `map` references (the runner's store); without it such nodes are unresolved problems. */
    pipelines?: PipelineResolver;
  } = {},
): Promise<PreparedEvalSession> {
  // References to stored pipelines are judged as they resolve now, as a run would resolve them.
  const parsed = checks.pipelines ? parseDocument(spec.pipeline) : undefined;
  const lookup = parsed?.ok && pipelineRefs(parsed.document).length > 0 ? await resolvePipelines(parsed.document, checks.pipelines) : undefined;
  const report = validatePipeline(spec.pipeline, { pipelines: lookup });
  if (!report.valid || !report.document) throw new EvalPipelineError(spec.subject ?? 'the pipeline', report.problems);
  const pipeline = report.document;
  // Refused here, not as thousands of failed cases: an unknown provider or a missing key.
  if (checks.modelUnavailable) checkEvalModels(pipeline, spec.suite, checks.modelUnavailable);
  const dataset = await prepareEval(pipeline, spec.suite);
  const repeat = spec.repeat ?? spec.suite.repeat;
  return {
    spec,
    pipeline,
    repeat,
    total: dataset.cases * repeat,
    dataset,
    identity: { behaviorHash: behaviorHash(pipeline), suiteHash: spec.suite.hash, datasetHash: dataset.hash, repeat },
    cached: spec.noCache !== true && repeat === 1,
  };
}

/** A finished eval to compare with: its rows, how to name it, and the dataset it ran on. */
export interface EvalBaseline {
  rows: ScoreRow[];
  label: string;
  datasetHash?: string;
}

/** The baseline rows of a finished eval's cases (a result file's, or a stored eval's). */
export function evalBaseline(cases: readonly CaseRecord[], label: string, datasetHash?: string): EvalBaseline {
  return { rows: cases.map(toScoreRow), label, ...(datasetHash ? { datasetHash } : {}) };
}

export interface EvalSessionRun {
  services: EvalSessionServices;
  /** Where finished cases go; the cases it already holds (`resumed`) are kept, not run again. */
  log: CaseLog;
  signal?: AbortSignal;
  onProgress?: (progress: EvalProgress) => void;
  /** Sees each case's whole run (node traces included) as it ends. */
  onCaseRun?: CaseRunnerSpec['onRun'];
  baseline?: EvalBaseline;
  queue?: CaseQueue;
}

/** Runs (or, with a log that holds finished cases, resumes) a prepared eval; resolves to the result without its cases. */
export function runEvalSession(prepared: PreparedEvalSession, run: EvalSessionRun): Promise<EvalHead> {
  const { spec } = prepared;
  return runEval({
    pipeline: prepared.pipeline,
    pipelineVersion: spec.pipelineVersion,
    suite: spec.suite,
    prepared: prepared.dataset,
    repeat: prepared.repeat,
    concurrency: spec.concurrency,
    services: sessionServices(run.services, prepared.cached),
    log: run.log,
    queue: run.queue,
    signal: run.signal,
    onProgress: run.onProgress,
    onCaseRun: run.onCaseRun,
    baseline: run.baseline,
    gate: spec.gate ?? spec.suite.gate,
  });
}

/** The services a session's cases run with: the providers past the response cache unless it may be used. */
export function sessionServices(services: EvalSessionServices, cached: boolean): Services {
  return cached || !services.uncachedModels ? services : { ...services, models: services.uncachedModels };
}
