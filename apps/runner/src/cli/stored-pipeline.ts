import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError, type CliIO } from './command';
import { readJsonFile } from './document-file';

/** `NAME`, `NAME@N` or `NAME@vN`, `NAME@LABEL`: a pipeline saved in the runner's store. */
const REFERENCE = /^([a-z0-9-]+)(?:@(v?\d+|[a-z0-9-]+))?$/;

export interface LoadedPipeline {
  document: unknown;
  /** The stored version's number; absent for a file. */
  version?: number;
}

/**
 * A pipeline file, or a reference to a version saved in the runner's store in the
 * data dir (only when no such file exists, and only a store that exists: a typo
 * must not create one). `patchbay run` and `patchbay eval` take the same.
 */
export async function loadPipelineArg(arg: string, dataFlag: string | undefined, io: CliIO): Promise<LoadedPipeline> {
  const ref = REFERENCE.exec(arg);
  if (!ref || existsSync(path.resolve(io.cwd, arg))) return { document: readJsonFile(arg, io.cwd) };
  const [, name, at] = ref;
  const { resolveDataDir } = await import('@patchbay/core/node');
  const { openSqliteStore, RUNNER_DB_FILE } = await import('../store/index');
  const dataDir = resolveDataDir({ flag: dataFlag, env: io.env, cwd: io.cwd });
  if (!existsSync(path.join(dataDir, RUNNER_DB_FILE))) {
    throw new UsageError(`cannot read ${arg}: no such file, and no runner store in ${dataDir} to find a pipeline "${name}" in (pass --data DIR to use another workspace)`);
  }
  const store = openSqliteStore(dataDir);
  try {
    const number = at === undefined ? undefined : /^v?\d+$/.test(at) ? Number(at.replace(/^v/, '')) : await labelledVersion(name, at);
    const record = number === undefined ? await store.versions.latest(name) : await store.versions.get(name, number);
    if (!record) {
      const what = number === undefined ? `no pipeline "${name}"` : `no version ${number} of pipeline "${name}"`;
      throw new UsageError(`no file ${arg}, and ${what} in the store in ${dataDir}`);
    }
    return { document: record.document, version: record.number };
  } finally {
    await store.close();
  }
}

/**
 * The version a label points at. Hook for deployment labels (`NAME@production`):
 * until the store keeps labels, a label reference is refused with the forms that work.
 */
async function labelledVersion(name: string, label: string): Promise<number> {
  throw new UsageError(`"${name}@${label}": this store keeps no labels; name a version as ${name}@N (e.g. ${name}@1) or take the latest with ${name}`);
}
