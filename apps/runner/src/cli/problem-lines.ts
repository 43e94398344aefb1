import type { Problem } from '@patchbay/core';

/** One problem as one line, `PATH: MESSAGE` — the format `patchbay validate` and `run` print. */
export function problemLine(problem: Pick<Problem, 'path' | 'message'>): string {
  // A message quotes what the document holds (a type, a format), which may hold line breaks: one problem, one line.
  return `${problem.path}: ${problem.message}`.replace(/\r?\n|\r/g, '\\n');
}

export function problemLines(problems: readonly Pick<Problem, 'path' | 'message'>[]): string {
  return problems.map((p) => problemLine(p) + '\n').join('');
}
