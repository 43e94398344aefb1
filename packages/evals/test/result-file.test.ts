import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonlCaseLog, progressPathFor, writeResultFile } from '../src/result-file';
import { EvalInputError } from '../src/session/input-error';
import type { CaseRecord } from '../src/result-types';
import { parseSuite } from '../src/suite';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'pb-result-file-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const record = (i: number): CaseRecord => ({
  id: `c${i}`,
  repeat: 1,
  status: i % 7 ? 'passed' : 'failed',
  // Some non-ASCII text, and enough of it that the log spans several read-back blocks.
  outputs: { answer: `réponse ${i} ${'·'.repeat(200 + (i % 50))}` },
  scores: { s: { score: i % 7 ? 1 : 0, pass: i % 7 !== 0, reason: `case ${i}` } },
  latencyMs: i,
  tokens: null,
  costUsd: null,
});

describe('the partial-results log and the result file', () => {
  it('has one writer: a second eval on the same --out is refused while the first runs, and a lock left by a dead process is taken over', async () => {
    const identity = { behaviorHash: 'b', suiteHash: 's', datasetHash: 'd', repeat: 1 };
    const path = progressPathFor(join(dir, 'shared.json'));
    const first = await JsonlCaseLog.open(path, identity, { resume: false, startedAt: 'then' });
    await first.append(record(1));
    // before: the second open truncated the file the first was appending to, and both wrote into it
    await expect(JsonlCaseLog.open(path, identity, { resume: false, startedAt: 'now' })).rejects.toThrow(
      `${path} is being written by another eval (process ${process.pid}): let it finish, or give this one another --out`,
    );
    await expect(JsonlCaseLog.open(path, identity, { resume: true, startedAt: 'now' })).rejects.toThrow(EvalInputError);
    expect(first.readRaw('c1#1')).toBeDefined();
    await first.close();
    // closed: the next eval may write it (and resume what the first left)
    const second = await JsonlCaseLog.open(path, identity, { resume: true, startedAt: 'now' });
    expect(second.resumed.map((r) => r.id)).toEqual(['c1']);
    await second.close();
    // a process killed with kill -9 leaves its lock behind: a pid that is not running does not hold it
    await writeFile(`${path}.lock`, '2147483646\n');
    const third = await JsonlCaseLog.open(path, identity, { resume: true, startedAt: 'later' });
    expect(third.resumed).toHaveLength(1);
    await third.close();
    await expect(readFile(`${path}.lock`)).rejects.toThrow(/ENOENT/);
  });

  it('reads every record back as written while the log keeps growing, and writes them in dataset order', async () => {
    const n = 3000;
    // Finished out of order, as concurrent cases do; some read back while others are still appended.
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ((a * 7919) % n) - ((b * 7919) % n));
    const out = join(dir, 'result.json');
    const log = await JsonlCaseLog.open(progressPathFor(out), { behaviorHash: 'b', suiteHash: 's', datasetHash: 'd', repeat: 1 }, { resume: false, startedAt: 'then' });
    for (const [k, i] of order.entries()) {
      await log.append(record(i));
      if (k % 500 === 499) {
        const earlier = order[k - 250];
        expect(JSON.parse(log.readRaw(`c${earlier}#1`)!)).toEqual(record(earlier));
      }
    }
    const suite = parseSuite(
      { format: 'patchbay.eval/v1', dataset: Array.from({ length: n }, (_, i) => ({ id: `c${i}`, input: 'x' })), scorers: [{ type: 'exact' }] },
      { label: 'suite', baseDir: dir },
    );
    await writeResultFile(out, { format: 'patchbay.eval-result/v1', suite: 'suite', summary: { cases: n } } as never, log, suite.dataset, 1);
    await log.close();
    const result = JSON.parse(await readFile(out, 'utf8'));
    expect(result.summary).toEqual({ cases: n });
    expect(result.cases).toEqual(Array.from({ length: n }, (_, i) => record(i)));
  });
});
