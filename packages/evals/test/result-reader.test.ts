import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResult, ResultFileError } from '../src/result-reader';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'pb-result-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const record = (id: string, score: number, repeat = 1) => ({ id, repeat, status: score >= 1 ? 'passed' : 'failed', scores: { exact: { score, pass: score >= 1 } }, latencyMs: 1 });
const result = (cases: unknown[]) => ({
  suite: 's', pipeline: { name: 'p', behaviorHash: 'h' }, dataset: { hash: 'd', cases: cases.length }, cases,
});
async function file(name: string, value: unknown) {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

describe('reading a result file (a baseline, patchbay compare)', () => {
  it('reads a result', async () => {
    const path = await file('ok.json', result([record('a', 1), record('b', 0.5)]));
    expect((await readResult(path)).cases.map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('says a missing file or a directory (--baseline results/ for results/v2.json) is one, not Node\'s EISDIR', async () => {
    await expect(readResult(join(dir, 'missing.json'))).rejects.toThrow(new ResultFileError(`${join(dir, 'missing.json')}: no such file`));
    await expect(readResult(dir)).rejects.toThrow(new ResultFileError(`${dir}: a directory, not an eval result file (give the .json file patchbay eval --out wrote)`));
  });

  it('names a YAML suite given as a result (patchbay compare v2.json suite.yaml) as the suite it is, not in the JSON parser\'s words', async () => {
    const path = join(dir, 'support.eval.yaml');
    await writeFile(path, 'format: patchbay.eval/v1\nname: support\ndataset: cases.jsonl\nscorers:\n  - { type: contains }\n');
    await expect(readResult(path)).rejects.toThrow(new ResultFileError(`${path}: a patchbay.eval/v1 file (a suite), not an eval result: give the .json file patchbay eval --out wrote`));
    // text that is no JSON and no Patchbay file says what to give too
    const notes = join(dir, 'notes.txt');
    await writeFile(notes, 'v2 looked better\n');
    await expect(readResult(notes)).rejects.toThrow(/^.*notes\.txt: not JSON \(.+\): give the \.json file patchbay eval --out wrote$/);
  });

  it('refuses a score outside 0..1 (a hand-edited or foreign file), which would skew every mean and delta', async () => {
    const path = await file('seven.json', result([record('a', 7), record('b', 0)]));
    await expect(readResult(path)).rejects.toThrow(ResultFileError);
    await expect(readResult(path)).rejects.toThrow(`${path}: not an eval result (cases.0.scores.exact.score must be at most 1)`);
    const negative = await file('negative.json', result([record('a', -0.5)]));
    await expect(readResult(negative)).rejects.toThrow(/cases\.0\.scores\.exact\.score/);
  });

  it('refuses a case recorded twice (two results pasted together), which would be paired twice', async () => {
    const path = await file('twice.json', result([record('a', 1), record('b', 0), record('a', 0)]));
    await expect(readResult(path)).rejects.toThrow(`${path}: not an eval result (cases.2: case "a" (repeat 1) is recorded twice)`);
    // The same case under another repeat is a repeat, not a duplicate.
    const repeats = await file('repeats.json', result([record('a', 1, 1), record('a', 0, 2)]));
    expect((await readResult(repeats)).cases).toHaveLength(2);
  });
});
