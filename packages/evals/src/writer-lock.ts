import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { EvalInputError } from './session/input-error';

/**
 * One writer per partial-results file: two evals given the same `--out` would
 * otherwise truncate and append to one file, and a resume would mix their cases.
 * `PATH.lock` holds the writer's pid; it is made whole and then linked into
 * place, so it never exists without its pid. A lock whose process is gone
 * (killed with kill -9) is taken over. Returns the release.
 */
export async function lockForWriting(path: string): Promise<() => Promise<void>> {
  const lockPath = `${path}.lock`;
  const mine = `${lockPath}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(mine, `${process.pid}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(mine, lockPath);
        return () => rm(lockPath, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (attempt > 0 || running(holder)) {
        throw new EvalInputError(`${path} is being written by another eval (process ${holder}): let it finish, or give this one another --out`);
      }
      await rm(lockPath, { force: true });
    }
  } finally {
    await rm(mine, { force: true });
  }
}

function running(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
