import type { Problem } from '../graph/validate';

/** Thrown by runPipeline when the document or the given inputs have problems; nothing ran. */
export class PipelineInvalidError extends Error {
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super(`pipeline is not valid: ${first ? `${first.path}: ${first.message}` : 'unknown problem'}${more}`);
    this.name = 'PipelineInvalidError';
    this.problems = problems;
  }
}
