import path from 'node:path';

/**
 * Where a workspace keeps its SQLite files (runs, indexes, cache) and its
 * `patchbay.config.json`: `--data` beats `PATCHBAY_DATA` beats `./.patchbay`.
 * Always returned absolute, resolved against `cwd`.
 */
export function resolveDataDir(options: { flag?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const chosen = options.flag || env.PATCHBAY_DATA || '.patchbay';
  return path.resolve(cwd, chosen);
}
