import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** A file `patchbay eval` reads or writes, as the user named it. */
export interface NamedFile {
  /** How the message names it: `the dataset`, `the --out file`. */
  role: string;
  /** The path as given (for the message). */
  given: string;
  /** The absolute path. */
  absolute: string;
}

/**
 * The result and reports are written over whatever their paths hold once every case has run:
 * `--out cases.jsonl` would replace the dataset, `--junit result.json` the result just written.
 * Returns why an output names an input or an earlier output, or null. (`--out` may name the
 * `--baseline` file: the baseline is read before anything is written, so a result can roll it forward.)
 */
export function clashingOutput(inputs: NamedFile[], outputs: Array<NamedFile & { flag: string; mayReplace?: string[] }>): string | null {
  const seen = inputs.map((f) => ({ ...f, key: sameFileKey(f.absolute) }));
  for (const out of outputs) {
    const key = sameFileKey(out.absolute);
    const clash = seen.find((f) => f.key === key && !out.mayReplace?.includes(f.role));
    if (clash) return `${out.flag} ${out.given} is ${clash.role}; name another file`;
    seen.push({ ...out, key });
  }
  return null;
}

/** One key per file: symlinks and `./` resolved where the file (or its directory) exists. */
function sameFileKey(absolute: string): string {
  if (existsSync(absolute)) return realpathSync(absolute);
  const dir = path.dirname(absolute);
  return existsSync(dir) ? path.join(realpathSync(dir), path.basename(absolute)) : absolute;
}
