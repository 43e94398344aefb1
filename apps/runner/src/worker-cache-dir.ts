import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const NAMED = /^patchbay-(?:worker|serve)-(\d+)$/;

/**
 * A worker's default cache dir (or a scaled-out serve's, whose data dir it may not write): a temp dir named
 * by its pid (no later process reuses it), removed when it stops.
 */
export function defaultCacheDir(pid = process.pid, role: 'worker' | 'serve' = 'worker'): string {
  return path.join(os.tmpdir(), `patchbay-${role}-${pid}`);
}

/**
 * Removes the default cache dirs of workers (and servers) that are gone without stopping (kill -9, an OOM kill):
 * their own stop never ran, and no later worker takes their name, so each stayed for good. A dir
 * whose pid is alive is a running worker's (or its pid was reused): kept. How many went.
 */
export async function removeDeadWorkersCacheDirs(dir = os.tmpdir()): Promise<number> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const pid = Number(NAMED.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    await fs.rm(path.join(dir, name), { recursive: true, force: true }).then(() => removed++, () => {});
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}
