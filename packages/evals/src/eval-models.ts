import { pipelineModels, type PipelineDocument } from '@patchbay/core';
import { getScorerType } from './scorers/index';
import type { EvalSuite } from './suite';
import { EvalInputError } from './session/input-error';

/** A model an eval would call that cannot be called (unknown provider, missing key…). */
export class ModelUnavailableError extends EvalInputError {
  override name = 'ModelUnavailableError';
  constructor(
    message: string,
    /** Where it is named: a node of the pipeline, or a scorer of the suite (0-based). */
    readonly at: { node: string } | { scorerIndex: number },
  ) {
    super(message);
  }
}

/**
 * Refuses an eval whose pipeline or scorers name a model this workspace cannot
 * call, before any case runs: otherwise every case fails the same way (and a
 * run without gates still ends "successfully"). `unavailable` says why a model
 * cannot be called, or null (the workspace's modelUnavailable).
 */
export function checkEvalModels(pipeline: PipelineDocument, suite: Pick<EvalSuite, 'scorers'>, unavailable: (model: string) => string | null): void {
  for (const { node, model } of pipelineModels(pipeline)) {
    const reason = unavailable(model);
    if (reason) throw new ModelUnavailableError(`node "${node}": ${reason}`, { node });
  }
  suite.scorers.forEach((scorer, scorerIndex) => {
    // each scorer type says which params name a model (`modelParams` in its file)
    for (const { param } of getScorerType(scorer.type)?.modelParams ?? []) {
      const model = (scorer.params as Record<string, unknown> | undefined)?.[param];
      if (typeof model !== 'string') continue;
      const reason = unavailable(model);
      if (reason) throw new ModelUnavailableError(`scorer "${scorer.name}": ${reason}`, { scorerIndex });
    }
  });
}
