import { preparePipeline, type PipelineDocument, type PreparedPipeline, type RunResult, type Services } from '@patchbay/core';
import type { CaseJob, CaseWorker } from './case-queue';
import { caseInputsFor } from './case-inputs';
import { watchRateLimits } from './rate-limit-watch';
import type { CaseRecord, CaseStatus, ScoreResult } from './result-types';
import { applyScorer } from './scoring';
import type { ScorerSpec } from './suite';
import { readTarget, type TargetRef } from './targets';

export interface CaseRunnerSpec {
  /** A validated document. */
  pipeline: PipelineDocument;
  scorers: ScorerSpec[];
  targets: Map<string, TargetRef | null>;
  services: Services;
  /** Most nodes at once inside one case. */
  nodeConcurrency?: number;
  /** Sees each case's whole run (every node trace) before it is reduced to a record: the runner stores it so a case opens on the canvas. */
  onRun?: (result: RunResult, job: CaseJob) => void;
}

/**
 * The worker that runs one case × repeat: the pipeline through the engine, then
 * every scorer on its target. Only the outputs and the node values scorers read
 * are kept from the trace. A failed pipeline is a recorded error; a rate limit
 * asks the queue to run the case again later; a cancellation throws (nothing
 * recorded, so --resume runs the case again).
 */
export function createCaseWorker(spec: CaseRunnerSpec): CaseWorker<CaseRecord> {
  const nodeTargets = [...spec.targets.values()].filter((t): t is TargetRef => t?.kind === 'node');
  const toInputs = caseInputsFor(spec.pipeline);
  // Compiled once for every case; a document that cannot run fails each case with the reason, as a run would.
  let prepared: PreparedPipeline | undefined;
  let unrunnable = '';
  try {
    prepared = preparePipeline(spec.pipeline, { skipValidation: true });
  } catch (err) {
    unrunnable = (err as Error).message;
  }
  return async (job, signal) => {
    const c = job.case;
    let rateLimited = false;
    // The longest wait any of the case's calls was asked for: the retry waits for all of them.
    let retryAfterMs: number | undefined;
    const models = watchRateLimits(spec.services.models, (wait) => {
      rateLimited = true;
      if (wait !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, wait);
    });
    const services: Services = { ...spec.services, models };
    const base = { id: c.id, repeat: job.repeat, input: c.input, ...(c.expected !== undefined ? { expected: c.expected } : {}) };

    const mapped = toInputs(c.input);
    if ('problem' in mapped) return { record: failedRecord(base, spec.scorers, `bad case input: ${mapped.problem}`, 0) };

    if (!prepared) return { record: failedRecord(base, spec.scorers, unrunnable, 0) };
    const started = performance.now();
    let result: RunResult;
    try {
      result = await prepared.run(mapped.inputs, { services, signal, concurrency: spec.nodeConcurrency });
    } catch (err) {
      if (signal.aborted) throw err;
      return { record: failedRecord(base, spec.scorers, (err as Error).message, performance.now() - started) };
    }
    if (signal.aborted) throw signal.reason ?? new Error('eval cancelled');
    spec.onRun?.(result, job);
    const latencyMs = Math.round(result.durationMs ?? performance.now() - started);
    const usage = usageOf(result);
    if (result.status !== 'succeeded') {
      const message = result.error ?? result.status;
      // The engine's message names the node already; say which one when it does not.
      const error = result.failedNode && !message.includes(`"${result.failedNode}"`) ? `node "${result.failedNode}": ${message}` : message;
      return { record: { ...failedRecord(base, spec.scorers, error, latencyMs), ...usage, runId: result.runId, ...(result.failedNode ? { failedNode: result.failedNode } : {}) }, rateLimited, retryAfterMs };
    }

    const targets: Record<string, unknown> = {};
    for (const t of nodeTargets) targets[t.label] = readTarget(t, result);
    const run = { latencyMs, ...usage };
    const scores: Record<string, ScoreResult> = {};
    for (const scorer of spec.scorers) {
      const ref = spec.targets.get(scorer.name) ?? null;
      const value = ref ? readTarget(ref, result) : undefined;
      scores[scorer.name] = await applyScorer(scorer, value, c, run, { models, sandbox: services.sandbox, signal });
    }
    if (signal.aborted) throw signal.reason ?? new Error('eval cancelled');
    const errors = Object.entries(scores).filter(([, s]) => s.error);
    const status: CaseStatus = errors.length ? 'error' : Object.values(scores).every((s) => s.pass) ? 'passed' : 'failed';
    const record: CaseRecord = {
      ...base,
      status,
      outputs: result.outputs,
      ...(nodeTargets.length ? { targets } : {}),
      scores,
      latencyMs,
      ...usage,
      runId: result.runId,
      ...(errors.length ? { error: errors.map(([name, s]) => `${name}: ${s.error}`).join('; ') } : {}),
    };
    return { record, rateLimited: rateLimited && errors.length > 0, retryAfterMs };
  };
}

function failedRecord(base: Pick<CaseRecord, 'id' | 'repeat'> & Partial<CaseRecord>, scorers: ScorerSpec[], error: string, latencyMs: number): CaseRecord {
  const scores: Record<string, ScoreResult> = {};
  for (const s of scorers) scores[s.name] = { score: 0, pass: false, reason: 'pipeline failed' };
  return { ...base, status: 'error', outputs: {}, scores, latencyMs: Math.round(latencyMs), tokens: null, costUsd: null, error };
}

/** Tokens and cost over every node; cost is null when a model call had no known price (never a made-up 0). */
export function usageOf(result: Pick<RunResult, 'nodes'>): { tokens: number | null; costUsd: number | null } {
  let tokens: number | null = null;
  let cost = 0;
  let costKnown = true;
  for (const node of Object.values(result.nodes ?? {})) {
    if (node.usage) tokens = (tokens ?? 0) + (node.usage.totalTokens ?? 0);
    const calledModel = node.model !== undefined || node.usage !== undefined;
    if (typeof node.costUsd === 'number') cost += node.costUsd;
    else if (calledModel) costKnown = false;
  }
  return { tokens, costUsd: costKnown ? cost : null };
}
