import type { Problem } from '@patchbay/core';

/** One problem as one line, `PATH: MESSAGE` — the format `patchbay validate` and `run` print. */
export function problemLine(problem: Pick<Problem, 'path' | 'message'>): string {
  return oneLine(`${problem.path}: ${problem.message}`);
}

/** Line breaks shown as `\n`: a message may quote the document or a provider's reply, yet stays one line. */
export function oneLine(text: string): string {
  return text.replace(/\r?\n|\r/g, '\\n');
}

export function problemLines(problems: readonly Pick<Problem, 'path' | 'message'>[]): string {
  return problems.map((p) => problemLine(p) + '\n').join('');
}
