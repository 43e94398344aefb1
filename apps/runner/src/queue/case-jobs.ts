import type { CaseRecord, EvalCase, LeaseOutcome, ScorerSpec } from '@patchbay/evals';
import type { PipelineDocument } from '@patchbay/core';
import { z } from 'zod';
import type { WorkspacePins } from '../workspace/workspace-pins';

/** The BullMQ queue eval cases go through (`<prefix>:case:*` in Redis). */
export const CASE_QUEUE = 'case';

/** One case × repeat × attempt of an eval, as a BullMQ job's data: plain JSON. */
export interface CaseJobData {
  evalId: string;
  /** `(eval, case, repeat)`: what the result is recorded under, once. */
  key: string;
  case: EvalCase;
  repeat: number;
  /** The case's place in the dataset (the result's order). */
  position: number;
  attempt: number;
  /** No retry after this attempt: record whatever happens. */
  last: boolean;
}

/** What a case worker reads of a job before anything else: a job pushed by hand that lacks it is failed, not run (queue/job-payload.ts). */
export const caseJobPayload = z.object({
  evalId: z.string().min(1),
  key: z.string(),
  case: z.object({ id: z.string() }),
  repeat: z.number().int().nonnegative(),
  position: z.number().int().nonnegative(),
  attempt: z.number().int().positive(),
  last: z.boolean(),
});

/** What a worker needs to build an eval's case runner: written once per eval, read once per worker. */
export interface EvalCaseSpec {
  pipeline: PipelineDocument;
  scorers: ScorerSpec[];
  /** Whether model calls may come from the response cache (see PreparedEvalSession.cached). */
  cached: boolean;
  /** The eval's concurrency (its coordinator caps it over all workers). */
  concurrency: number;
  /** The workspace config and indexes every case runs with, pinned when the eval starts. */
  workspace?: WorkspacePins;
}

/** A finished job as the coordinator reads it from the eval's results stream. */
export interface CaseJobResult {
  key: string;
  /** The recorded case (absent when it was rate limited and will be tried again). */
  record?: CaseRecord;
  rateLimited?: boolean;
  /** With rateLimited: the wait the provider asked for (Retry-After), in ms; the coordinator queues the case again after it. */
  retryAfterMs?: number;
  /** How the case went, for the eval's adaptive limit (a 429, a success, anything else). */
  outcome?: LeaseOutcome;
}

/** The Redis keys of one eval's queued cases. */
export function caseKeys(prefix: string, evalId: string) {
  return {
    spec: `${prefix}:eval-spec:${evalId}`,
    results: `${prefix}:eval-results:${evalId}`,
    /** The workspace the eval was pinned to when it first started: kept until it completes, so a resume runs with the same. */
    pins: `${prefix}:eval-pins:${evalId}`,
  };
}

/** The BullMQ job id of one attempt: keyed by (eval, case, repeat); a retried or stalled job keeps it. */
export function caseJobId(evalId: string, caseId: string, repeat: number, attempt: number): string {
  // BullMQ job ids may not hold ':'; encodeURIComponent leaves none.
  return `${evalId}|${encodeURIComponent(caseId)}|${repeat}|${attempt}`;
}
