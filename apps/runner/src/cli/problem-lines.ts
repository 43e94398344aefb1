import type { Problem } from '@patchbay/core';

/** One problem as one line, `PATH: MESSAGE` — the format `patchbay validate` and `run` print. */
export function problemLine(problem: Pick<Problem, 'path' | 'message'>): string {
  return `${problem.path}: ${problem.message}`;
}

export function problemLines(problems: readonly Pick<Problem, 'path' | 'message'>[]): string {
  return problems.map((p) => problemLine(p) + '\n').join('');
}
