/**
 * Why a file a user named (a suite, a dataset, a result) could not be read, in words: "no such file",
 * or "a directory, not a suite file (…)" for `--suite evals/`, instead of Node's "EISDIR: illegal
 * operation on a directory, read". `notA` says what the file should have been and how to name it.
 */
export function fileReadReason(err: unknown, notA: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return `a directory, not ${notA}`;
  return err instanceof Error ? err.message : String(err);
}
