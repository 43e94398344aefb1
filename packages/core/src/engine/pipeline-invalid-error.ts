import type { Problem } from '../graph/validate';

/** `path: message (and N more)`: the first of a document's problems, and how many follow. */
export function firstProblem(problems: readonly Pick<Problem, 'path' | 'message'>[]): string {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return `${first ? `${first.path}: ${first.message}` : 'unknown problem'}${more}`;
}

/**
 * Why a pipeline with problems is refused, in one line: `version 3 of "qa"
 * cannot run: $.edges[0]: …` or `… cannot be evaluated: …`. The one place
 * the runner's 422s and the eval session build that text.
 */
export function cannotMessage(subject: string, action: 'run' | 'be evaluated', problems: readonly Pick<Problem, 'path' | 'message'>[]): string {
  return `${subject} cannot ${action}: ${firstProblem(problems)}`;
}

/** Thrown by runPipeline when the document or the given inputs have problems; nothing ran. */
export class PipelineInvalidError extends Error {
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    super(`pipeline is not valid: ${firstProblem(problems)}`);
    this.name = 'PipelineInvalidError';
    this.problems = problems;
  }
}
