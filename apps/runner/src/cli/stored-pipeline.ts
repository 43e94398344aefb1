import { existsSync } from 'node:fs';
import path from 'node:path';
import { versionSpeltAnotherWay } from '@patchbay/core';
import { UsageError, type CliIO } from './command';
import { readJsonFile } from './document-file';
import { sharedStoreNote } from './shared-store-note';

/** `NAME`, `NAME@N` or `NAME@vN`, `NAME@LABEL`: a pipeline saved in the runner's store. */
const REFERENCE = /^([a-z0-9-]+)(?:@(v?\d+|[a-z0-9-]+))?$/;

export interface LoadedPipeline {
  document: unknown;
  /** The stored version's number; absent for a file. */
  version?: number;
  /** The label it was reached by (`NAME@production`), resolved when the command starts. */
  label?: string;
}

/**
 * A pipeline file, or a reference to a version saved in the runner's store in the
 * data dir (only when no such file exists, and only a store that exists: a typo
 * must not create one). `patchbay run` and `patchbay eval` take the same. The
 * store is opened for reading only (nothing migrated or written) unless
 * `readOnly` is false: `patchbay run` writes it anyway, recording the run.
 */
export async function loadPipelineArg(arg: string, dataFlag: string | undefined, io: CliIO, readOnly = true): Promise<LoadedPipeline> {
  const isFile = existsSync(path.resolve(io.cwd, arg));
  // NAME@V1, NAME@v1.0, NAME@v+1 are no reference (nor, most likely, a file): said as for NAME@v01.
  // NAME@1 is one here (version 1, as scripts write it): digits are checked below as NAME@v1 would be.
  const spelt = !isFile && /^[a-z0-9-]+@/.test(arg) && !/@[0-9]+$/.test(arg) ? versionSpeltAnotherWay(arg) : undefined;
  if (spelt) throw notHowAVersionIsWritten(arg, spelt);
  const ref = REFERENCE.exec(arg);
  if (!ref || isFile) return { document: readJsonFile(arg, io.cwd) };
  const [, name, at] = ref;
  const { resolveDataDir } = await import('@patchbay/core/node');
  const { openSqliteStore, openSqliteStoreForReading, RUNNER_DB_FILE } = await import('../store/index');
  const dataDir = resolveDataDir({ flag: dataFlag, env: io.env, cwd: io.cwd });
  if (!existsSync(path.join(dataDir, RUNNER_DB_FILE))) {
    const note = sharedStoreNote(io.env, `save the version's document to a file, e.g. the "document" of GET /api/pipelines/${name}/versions/N, and give that`);
    throw new UsageError(`cannot read ${arg}: no such file, and no runner store in ${dataDir} to find a pipeline "${name}" in (pass --data DIR to use another workspace${note})`);
  }
  const store = readOnly ? openSqliteStoreForReading(dataDir) : openSqliteStore(dataDir);
  try {
    let number: number | undefined;
    let label: string | undefined;
    if (at !== undefined && /^v?\d+$/.test(at)) {
      // Written as everywhere else (v1, or 1 here): v01 is no second name of v1 (core's rule).
      const other = versionSpeltAnotherWay(`${name}@v${at.replace(/^v/, '')}`);
      if (other) throw notHowAVersionIsWritten(arg, other);
      number = Number(at.replace(/^v/, ''));
    }
    else if (at !== undefined) {
      label = at;
      const state = await store.labels.get(name, label);
      if (!state) {
        const labels = Object.keys(await store.labels.list(name));
        throw new UsageError(`no file ${arg}, and no label "${label}" on pipeline "${name}" in the store in ${dataDir} (labels: ${labels.length ? labels.join(', ') : 'none'}; or name a version as ${name}@N)`);
      }
      number = state.version;
    }
    const record = number === undefined ? await store.versions.latest(name) : await store.versions.get(name, number);
    if (!record) {
      // A version as written: past 2^53 its number is another (v99999999999999999999 reads as 1e20).
      const what = number === undefined ? `no pipeline "${name}"` : `no version ${label === undefined ? at!.replace(/^v/, '') : number} of pipeline "${name}"`;
      throw new UsageError(`no file ${arg}, and ${what} in the store in ${dataDir}`);
    }
    return { document: record.document, version: record.number, label };
  } finally {
    await store.close();
  }
}

/** A version spelt another way than NAME@vN (or NAME@N here): one line naming the one to write. */
function notHowAVersionIsWritten(arg: string, other: { number: bigint; plain: string }): UsageError {
  const name = arg.slice(0, arg.indexOf('@'));
  return new UsageError(`no file ${arg}, and "${arg}" is not how a version is written: ${other.number === 0n ? 'versions count from v1' : `version ${other.number} is "${other.plain}" (or ${name}@${other.number})`}`);
}
