import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonlCaseLog, progressPathFor, writeResultFile } from '../src/result-file';
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
