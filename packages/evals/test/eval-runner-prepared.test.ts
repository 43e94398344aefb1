import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices, type WorkspaceServices } from '@patchbay/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareEval, runEval } from '../src/eval-runner';
import { MemoryCaseLog } from '../src/result-file';
import { parseSuite } from '../src/suite';
import { shoutPipeline } from './support/pipelines';

let dir: string;
let services: WorkspaceServices;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pb-eval-prepared-'));
  services = await createServices({ dataDir: join(dir, 'data'), env: {} });
});
afterAll(async () => {
  await services?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('runEval after prepareEval', () => {
  it('runs on the dataset the caller checked, without reading it a second time first', async () => {
    await writeFile(join(dir, 'cases.jsonl'), ['a', 'b', 'c'].map((q) => JSON.stringify({ id: q, input: { question: q }, expected: q.toUpperCase() })).join('\n'));
    const suite = parseSuite({ format: 'patchbay.eval/v1', dataset: 'cases.jsonl', scorers: [{ type: 'exact' }] }, { label: 'suite', baseDir: dir });
    const info = await prepareEval(shoutPipeline, suite);
    const checked = await runEval({ pipeline: shoutPipeline, suite, services, log: new MemoryCaseLog(), prepared: info });
    expect(checked.dataset).toEqual({ hash: info.hash, cases: 3, source: info.source });
    expect(checked.summary).toMatchObject({ cases: 3, passed: 3 });
    // The info given is what the result reports: runEval did not inspect the file again.
    const stale = await runEval({ pipeline: shoutPipeline, suite, services, log: new MemoryCaseLog(), prepared: { ...info, hash: 'checked-earlier' } });
    expect(stale.dataset.hash).toBe('checked-earlier');
  });
});
