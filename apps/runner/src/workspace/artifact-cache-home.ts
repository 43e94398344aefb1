import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { defaultCacheDir } from '../worker-cache-dir';

/**
 * Where a scaled-out serve keeps the index artifacts it fetches from the store (`DIR/artifacts/`): its
 * data dir, or, when this process may not write there (a read-only mount; with --store, everything else
 * serve writes goes to the store), a temp dir of its own, as a worker's, removed when it stops.
 */
export function artifactCacheHome(dataDir: string): { dir: string; temporary: boolean } {
  const artifacts = path.join(dataDir, 'artifacts');
  if (mayWrite(existsSync(artifacts) ? artifacts : dataDir)) return { dir: dataDir, temporary: false };
  return { dir: defaultCacheDir(process.pid, 'serve'), temporary: true };
}

/** Whether this process may create files in `dir`, or in the nearest folder above it that exists (mkdir -p makes the rest). */
function mayWrite(dir: string): boolean {
  let at = dir;
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  try {
    accessSync(at, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
